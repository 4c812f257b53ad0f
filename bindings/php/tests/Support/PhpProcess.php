<?php

declare(strict_types=1);

namespace Wxface\Tests\Support;

/** Runs a separate PHP process (other ini settings or environment) and collects its output. */
final class PhpProcess
{
    /**
     * @param list<string>          $args arguments after the php binary
     * @param array<string, string> $env  variables to set (or override) for the child
     *
     * @return array{int, string} exit code, stdout + stderr
     */
    public static function run(array $args, array $env = []): array
    {
        $pipes = [];
        $process = proc_open(
            [PHP_BINARY, ...$args],
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]],
            $pipes,
            dirname(__DIR__, 2),
            array_merge(getenv(), $env),
        );
        if (!is_resource($process)) {
            throw new \RuntimeException('cannot start ' . PHP_BINARY);
        }
        $output = (string) stream_get_contents($pipes[1]);
        fclose($pipes[1]);

        return [proc_close($process), $output];
    }
}
