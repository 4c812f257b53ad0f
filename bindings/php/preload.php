<?php

declare(strict_types=1);

/*
 * opcache.preload script. With ffi.enable=preload (PHP's default), PHP-FPM refuses FFI::cdef
 * at request time; this script loads libwxface once, at server start, into the FFI scope
 * "WXFACE" that every request then uses:
 *
 *   opcache.preload=/path/to/wxface/preload.php
 *   opcache.preload_user=www-data
 *
 * Preloading a script makes its classes permanent; this one preloads the Wxface classes too.
 * With composer, point opcache.preload at a script of your own that requires vendor/autoload.php
 * and calls \Wxface\Library::preload().
 */

require __DIR__ . '/autoload.php';

\Wxface\Library::preload();
