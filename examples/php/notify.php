<?php

/**
 * A notify endpoint for WeChat Pay notifications: plain PHP, for PHP-FPM, php-cgi or the
 * built-in server:
 *
 *     WXFACE_CONFIG=/path/to/client.json php -d ffi.enable=1 -S 127.0.0.1:8080 examples/php/notify.php
 *
 * (the built-in server is not the CLI: FFI needs ffi.enable=1 there, or opcache.preload as under FPM)
 *
 * Every POST is verified and decrypted by parseNotificationFromGlobals(): a good notification
 * is answered 204 and logged; a bad one 400 {"code":"FAIL","message":…} (WeChat Pay then sends
 * it again). The configuration needs the APIv3 key (apiv3_key or apiv3_key_file).
 */

declare(strict_types=1);

// With Composer: require 'vendor/autoload.php';
require __DIR__ . '/../../bindings/php/autoload.php';

use Wxface\Client;
use Wxface\Exception\WxfaceException;

function logLine(string $line): void
{
    file_put_contents('php://stderr', $line . "\n");
}

if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
    http_response_code(405);
    exit;
}

try {
    $client = Client::fromFile((string) getenv('WXFACE_CONFIG'));
    $notification = $client->parseNotificationFromGlobals();
} catch (WxfaceException $e) {
    logLine('refused: ' . $e->getMessage());
    http_response_code(400);
    header('Content-Type: application/json');
    echo json_encode(['code' => 'FAIL', 'message' => $e->getMessage()]);
    exit;
}

// The same notification may arrive more than once: a real endpoint records getId() and skips
// ids it has handled (e.g. a unique key in its database).
$resource = $notification->getResource();
logLine(sprintf(
    'notification %s: %s user %s (out_user_id %s) in %s',
    $notification->getId(),
    $notification->getEventType(),
    $resource['user_id'] ?? '?',
    $resource['out_user_id'] ?? '?',
    $resource['organization_id'] ?? '?',
));
http_response_code(204);
