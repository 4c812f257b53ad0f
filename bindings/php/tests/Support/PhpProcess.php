<?php

declare(strict_types=1);

namespace Wxface\Tests\Support;

/** Runs a separate PHP process (other ini settings or environment) and collects its output. */
final class PhpProcess
{
    /**
     * @param list<string>                $args arguments after the php binary
     * @param array<string, string|false> $env  variables to set (or override; false: unset) for the child
     *
     * @return array{int, string} exit code, stdout + stderr
     */
    public static function run(array $args, array $env = []): array
    {
        return Command::run([PHP_BINARY, ...$args], $env, dirname(__DIR__, 2));
    }
}
