<?php

/*
 * The PHP side of the wrapper benchmark (bench/src/wrappers.rs): terminate calls through the
 * Wxface package (FFI over libwxface), compared with the same calls from C.
 *
 * Usage: php terminate_loop.php CONFIG.json ORGANIZATION_ID USER_ID   (WXFACE_LIBRARY set)
 *
 * Makes one client, prints "ready <description>", then for each line N read on stdin makes N
 * Client::terminateContract calls and prints the process CPU (user + system, getrusage) they
 * took, in µs. Start-up and client creation stay outside every figure.
 */

declare(strict_types=1);

require dirname(__DIR__, 2) . '/bindings/php/autoload.php';

$cpuMicroseconds = static function (): float {
    $usage = getrusage();

    return ($usage['ru_utime.tv_sec'] + $usage['ru_stime.tv_sec']) * 1e6
        + $usage['ru_utime.tv_usec'] + $usage['ru_stime.tv_usec'];
};

[, $config, $organizationId, $userId] = $argv;
$client = \Wxface\Client::fromFile($config);
fwrite(STDOUT, 'ready PHP ' . PHP_VERSION . ", Wxface via FFI\n");
fflush(STDOUT);
while (($line = fgets(STDIN)) !== false) {
    $calls = (int) $line;
    $before = $cpuMicroseconds();
    for ($i = 0; $i < $calls; $i++) {
        $client->terminateContract($organizationId, $userId);
    }
    fwrite(STDOUT, sprintf("%.0f\n", $cpuMicroseconds() - $before));
    fflush(STDOUT);
}
