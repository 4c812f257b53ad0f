<?php

declare(strict_types=1);

namespace Wxface\Tests\Support;

/** Runs a program to the end and collects what it printed (stdout and stderr together). */
final class Command
{
    /**
     * @param list<string>                $command the program and its arguments
     * @param array<string, string|false> $env     variables to set in the child (false: unset)
     * @param bool                        $inherit false: the child sees only $env
     *
     * @return array{int, string} exit code, stdout + stderr
     */
    public static function run(array $command, array $env = [], ?string $cwd = null, bool $inherit = true): array
    {
        $pipes = [];
        $process = proc_open(
            $command,
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]],
            $pipes,
            $cwd,
            self::environment($env, $inherit),
        );
        if (!is_resource($process)) {
            throw new \RuntimeException('cannot start ' . $command[0]);
        }
        $output = (string) stream_get_contents($pipes[1]);
        fclose($pipes[1]);

        return [proc_close($process), $output];
    }

    /**
     * This process's environment (or none) with $env applied.
     *
     * @param array<string, string|false> $env
     *
     * @return array<string, string>
     */
    public static function environment(array $env, bool $inherit = true): array
    {
        $result = $inherit ? getenv() : [];
        foreach ($env as $name => $value) {
            if ($value === false) {
                unset($result[$name]);
            } else {
                $result[$name] = $value;
            }
        }

        return $result;
    }

    /** Whether this process runs as root (which changes how PHP-FPM and opcache.preload start). */
    public static function runningAsRoot(): bool
    {
        return function_exists('posix_geteuid') ? posix_geteuid() === 0 : trim((string) shell_exec('id -u')) === '0';
    }
}
