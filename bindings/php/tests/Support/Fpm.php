<?php

declare(strict_types=1);

namespace Wxface\Tests\Support;

/**
 * A php-fpm master started by a test: in the foreground (-F) with a configuration of its own,
 * logging to stderr (-O), which is read until the master says it is ready to handle
 * connections (no sleeps). stop() ends it and its workers.
 */
final class Fpm
{
    private const READY = 'NOTICE: ready to handle connections';

    /** @var resource */
    private $process;
    /** @var resource */
    private $stderr;
    private string $log = '';

    /**
     * @param resource $process
     * @param resource $stderr
     */
    private function __construct($process, $stderr)
    {
        $this->process = $process;
        $this->stderr = $stderr;
    }

    /**
     * The php-fpm of this PHP: Debian names it after the version (/usr/sbin/php-fpm8.2), which
     * scripts/test-php installs; elsewhere `php-fpm` on the PATH.
     */
    public static function binary(): string
    {
        $debian = '/usr/sbin/php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
        if (is_executable($debian)) {
            return $debian;
        }
        $onPath = trim((string) shell_exec('command -v php-fpm'));
        if ($onPath === '') {
            throw new \RuntimeException(
                "php-fpm is missing ({$debian}, or php-fpm on the PATH): "
                . 'apt-get install -y php' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION . '-fpm',
            );
        }

        return $onPath;
    }

    /**
     * Starts php-fpm with the configuration file $config and $env over this process's
     * environment; returns once it is ready, or throws with its log.
     *
     * @param array<string, string|false> $env
     */
    public static function start(string $config, array $env, float $timeoutSeconds = 30.0): self
    {
        $command = [self::binary(), '-F', '-O', '-y', $config];
        if (Command::runningAsRoot()) {
            $command[] = '-R'; // php-fpm refuses to run pools as root unless told so
        }
        $pipes = [];
        $process = proc_open(
            $command,
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['pipe', 'w']],
            $pipes,
            null,
            Command::environment($env),
        );
        if (!is_resource($process)) {
            throw new \RuntimeException('cannot start ' . $command[0]);
        }
        $fpm = new self($process, $pipes[2]);
        $fpm->waitUntilReady($timeoutSeconds);

        return $fpm;
    }

    /** Stops the master (SIGTERM; it stops its workers) and returns its whole log. */
    public function stop(): string
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process, 15);
            $this->log .= (string) stream_get_contents($this->stderr);
            fclose($this->stderr);
            proc_close($this->process);
        }

        return $this->log;
    }

    public function __destruct()
    {
        $this->stop();
    }

    private function waitUntilReady(float $timeoutSeconds): void
    {
        $deadline = microtime(true) + $timeoutSeconds;
        while (!str_contains($this->log, self::READY)) {
            $left = $deadline - microtime(true);
            $read = [$this->stderr];
            $none = null;
            if ($left <= 0 || stream_select($read, $none, $none, (int) $left, (int) (fmod($left, 1) * 1e6)) !== 1) {
                throw new \RuntimeException("php-fpm was not ready within {$timeoutSeconds} s:\n" . $this->stop());
            }
            $line = fgets($this->stderr);
            if ($line === false) {
                throw new \RuntimeException("php-fpm exited before it was ready:\n" . $this->stop());
            }
            $this->log .= $line;
        }
    }
}
