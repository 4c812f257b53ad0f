<?php

declare(strict_types=1);

/*
 * Autoloader for installs without composer: `require 'path/to/bindings/php/autoload.php';`
 * maps the Wxface\ namespace onto src/, exactly as composer.json's PSR-4 entry does.
 */

spl_autoload_register(static function (string $class): void {
    $prefix = 'Wxface\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
