<?php

declare(strict_types=1);

/*
 * The script InstallTest requests through PHP-FPM (copied into the Composer project next to
 * vendor/): terminates a contract against wxface-sim and prints what it used and the outcome.
 * The FastCGI parameters WXFACE_CONFIG (the sim's client.json), WXFACE_ORG and WXFACE_USER say
 * where and whose.
 */

require __DIR__ . '/vendor/autoload.php';

use Wxface\Client;
use Wxface\Exception\WxfaceException;
use Wxface\Library;

header('Content-Type: text/plain');
$preloaded = opcache_get_status(false)['preload_statistics']['classes'] ?? [];
echo 'SAPI ', PHP_SAPI, ', ffi.enable=', ini_get('ffi.enable'), ', ',
    in_array(Library::class, $preloaded, true) ? 'Wxface\Library preloaded' : 'Wxface\Library NOT preloaded', "\n";
try {
    $client = Client::fromFile((string) $_SERVER['WXFACE_CONFIG']);
    echo 'library ', Library::origin(), "\n";
    $user = (string) $_SERVER['WXFACE_USER'];
    $response = $client->terminateContract((string) $_SERVER['WXFACE_ORG'], $user);
    echo "terminated {$user}: HTTP {$response->getHttpStatus()}, request id {$response->getRequestId()}\n";
} catch (WxfaceException $e) {
    http_response_code(500);
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
