<?php

declare(strict_types=1);

/*
 * opcache.preload script. With ffi.enable=preload (PHP's default), PHP-FPM allows FFI only in
 * code that opcache preloaded. This script preloads the Wxface classes, so their FFI::cdef of
 * libwxface is allowed in every request, and loads the library once at server start, so a
 * wrong path stops the server with the reason instead of failing requests:
 *
 *   opcache.preload=/path/to/wxface/preload.php
 *   opcache.preload_user=www-data
 *
 * With composer, point opcache.preload at a script of your own that requires vendor/autoload.php
 * and calls \Wxface\Library::preload().
 */

require __DIR__ . '/autoload.php';

\Wxface\Library::preload();
