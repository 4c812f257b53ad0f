<?php

/*
 * The PHP rows of the cold-start benchmark (bench/src/cold.rs): one call from a fresh PHP
 * process, through the Wxface package (FFI over libwxface), run by the CLI (with and without
 * opcache.preload) and by php-cgi as one request. php-cgi gives a script no $argv, so the
 * arguments come from the environment:
 *
 *   WXFACE_LIBRARY=… WXFACE_COLD_CONFIG=client.json WXFACE_COLD_ORG=… WXFACE_COLD_USER=… \
 *     php bench/wrappers/cold_call.php
 *
 * Prints nothing; an exception ends PHP with exit status 255. With opcache.preload the Wxface
 * classes and the library are already loaded, and the autoloader below is never asked.
 */

declare(strict_types=1);

require dirname(__DIR__, 2) . '/bindings/php/autoload.php';

$argument = static function (string $name): string {
    $value = getenv($name);
    if (!is_string($value) || $value === '') {
        throw new RuntimeException("{$name} is not set");
    }

    return $value;
};

\Wxface\Client::fromFile($argument('WXFACE_COLD_CONFIG'))
    ->terminateContract($argument('WXFACE_COLD_ORG'), $argument('WXFACE_COLD_USER'));
