<?php

declare(strict_types=1);

require dirname(__DIR__) . '/autoload.php';

spl_autoload_register(static function (string $class): void {
    $prefix = 'Wxface\\Tests\\';
    if (str_starts_with($class, $prefix)) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

// Run against this checkout's build unless the caller chose a library.
if ((string) getenv('WXFACE_LIBRARY') === '') {
    putenv('WXFACE_LIBRARY=' . dirname(__DIR__, 3) . '/target/release/libwxface.so');
}
