<?php

declare(strict_types=1);

/*
 * The preload path, as PHP-FPM runs it with FFI's default ffi.enable=preload:
 *
 *   php -d opcache.enable_cli=1 -d opcache.preload=bindings/php/preload.php -d ffi.enable=preload \
 *       bindings/php/tests/preload-run.php
 *
 * (plus -d opcache.preload_user=root when run as root). The CLI may always use FFI, so
 * scripts/test-php runs this file with php-cgi as well: there, as under PHP-FPM,
 * ffi.enable=preload refuses FFI to any code that was not preloaded. The script checks that
 * preload.php made the Wxface classes permanent and that a client made through them works
 * against wxface-sim. Exits non-zero on any failure.
 */

require __DIR__ . '/bootstrap.php';

use Wxface\Client;
use Wxface\Library;
use Wxface\Tests\Support\Sim;

$check = function (bool $ok, string $what): void {
    echo ($ok ? 'ok   ' : 'FAIL '), $what, PHP_EOL;
    if (!$ok) {
        exit(1);
    }
};

$preload = (string) ini_get('opcache.preload');
echo 'SAPI ', PHP_SAPI, ', PHP ', PHP_VERSION, PHP_EOL;
$check(ini_get('ffi.enable') === 'preload', 'ffi.enable=' . ini_get('ffi.enable'));
$preloadRan = $preload !== ''
    && function_exists('opcache_get_status')
    && (opcache_get_status(false)['preload_statistics'] ?? null) !== null;
$check($preloadRan, 'opcache.preload=' . $preload . ' ran');
$check(class_exists(Library::class, false), 'Wxface\Library was preloaded (defined before any autoload)');
$origin = Library::origin();
$check($origin !== '', 'library from ' . $origin);
$check(Library::version() !== '', 'library version ' . Library::version());

$sim = Sim::start();
$client = Client::fromFile($sim->configPath());
$client->terminateContract(Sim::org(), Sim::user(30001));
$check(true, 'terminateContract(' . Sim::org() . ', ' . Sim::user(30001) . ') against ' . $sim->baseUrl());
try {
    $client->terminateContract(Sim::org(), Sim::user(30001));
    $check(false, 'a second terminateContract is refused');
} catch (\Wxface\Exception\ApiException $e) {
    $check(
        $e->getHttpStatus() === 400 && $e->getApiCode() === 'PARAM_ERROR',
        'a second terminateContract: ApiException '
            . $e->getHttpStatus() . ' ' . $e->getApiCode() . ' request-id ' . $e->getRequestId(),
    );
}
unset($client);
$sim->stop();
echo 'preload run: all checks passed', PHP_EOL;
