<?php

declare(strict_types=1);

namespace Wxface\Tests\Support;

/**
 * A wxface-sim process for the tests: started with --port 0 in a fresh state directory, ready
 * once it printed its "listening" line (no sleeps), stopped by stop() or the destructor.
 * Faults and stats go through the sim's unsigned control endpoints over HTTPS, trusting only
 * the sim's own CA.
 */
final class Sim
{
    /** @var array<string, mixed>|null the built-in fixture's named ids (`wxface-sim --test-ids`) */
    private static ?array $ids = null;

    /** @var resource|null */
    private $process;
    private string $baseUrl;
    private string $configPath;

    private function __construct(private readonly string $stateDir, private readonly string $logPath)
    {
    }

    /** The sim binary: $WXFACE_SIM, else target/release/wxface-sim of this checkout. */
    public static function binary(): string
    {
        $env = getenv('WXFACE_SIM');

        return is_string($env) && $env !== '' ? $env : dirname(__DIR__, 4) . '/target/release/wxface-sim';
    }

    /**
     * The built-in fixture's named ids, as the simulator names them (`wxface-sim --test-ids`).
     *
     * @return array<string, mixed>
     */
    public static function ids(): array
    {
        if (self::$ids === null) {
            $json = shell_exec(escapeshellarg(self::binary()) . ' --test-ids');
            $ids = is_string($json) ? json_decode($json, true) : null;
            if (!is_array($ids)) {
                throw new \RuntimeException(self::binary() . ' --test-ids gave no JSON object');
            }
            self::$ids = $ids;
        }

        return self::$ids;
    }

    /** The fixture's organization. */
    public static function org(): string
    {
        return (string) self::ids()['organization_id'];
    }

    /** A user of org() whose contract is already terminated. */
    public static function terminatedUser(): string
    {
        return (string) self::ids()['terminated_user_id'];
    }

    /** The n-th contracted user of org() (1 ..= the fixture's last). */
    public static function user(int $n): string
    {
        $users = self::ids()['contracted_users'];

        return $users['prefix'] . str_pad((string) $n, (int) $users['digits'], '0', STR_PAD_LEFT);
    }

    /** @param list<string> $extraArgs more wxface-sim options */
    public static function start(array $extraArgs = []): self
    {
        $binary = self::binary();
        if (!is_executable($binary)) {
            throw new \RuntimeException(
                "{$binary} is missing: build it with `cargo build --release --workspace` (or set WXFACE_SIM)",
            );
        }
        $stateDir = self::tempDir();
        $sim = new self($stateDir, $stateDir . '.log');
        $pipes = [];
        $process = proc_open(
            [$binary, '--state-dir', $stateDir, '--port', '0', ...$extraArgs],
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $sim->logPath, 'w']],
            $pipes,
        );
        if (!is_resource($process)) {
            throw new \RuntimeException("cannot start {$binary}");
        }
        $sim->process = $process;
        $line = fgets($pipes[1]);
        fclose($pipes[1]);
        if (
            $line === false
            || preg_match('~^wxface-sim listening on (https://\S+) config=(\S+)$~', trim($line), $m) !== 1
        ) {
            $sim->stop();
            throw new \RuntimeException(
                "wxface-sim did not start (first line: " . var_export($line, true) . '): '
                . @file_get_contents($sim->logPath),
            );
        }
        $sim->baseUrl = $m[1];
        $sim->configPath = $m[2];

        return $sim;
    }

    public function baseUrl(): string
    {
        return $this->baseUrl;
    }

    public function stateDir(): string
    {
        return $this->stateDir;
    }

    /** Path of the ready client configuration (client.json) the sim wrote. */
    public function configPath(): string
    {
        return $this->configPath;
    }

    /** @return array<string, mixed> the ready client configuration, decoded */
    public function config(): array
    {
        return json_decode((string) file_get_contents($this->configPath), true, 512, JSON_THROW_ON_ERROR);
    }

    /** The next $count API requests (all of them when null) meet this fault, e.g. "delay:3000". */
    public function setFault(string $spec, ?int $count = null): void
    {
        $body = ['fault' => $spec];
        if ($count !== null) {
            $body['count'] = $count;
        }
        $this->control('POST', '/__sim/faults', json_encode($body, JSON_THROW_ON_ERROR));
    }

    public function clearFaults(): void
    {
        $this->control('DELETE', '/__sim/faults');
    }

    /** @return array{requests_per_path: array<string, int>, requests_total: int, connections_accepted: int, signature_failures: int} */
    public function stats(): array
    {
        return json_decode($this->control('GET', '/__sim/stats'), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * The API requests the sim received, oldest first (the last 1000).
     *
     * @return list<array{method: string, target: string, wechatpay_serial: string, body: mixed}>
     */
    public function requests(): array
    {
        return json_decode($this->control('GET', '/__sim/requests'), true, 512, JSON_THROW_ON_ERROR);
    }

    public function stop(): void
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process, 15);
            proc_close($this->process);
            foreach (glob($this->stateDir . '/{,.}[!.]*', GLOB_BRACE) ?: [] as $file) {
                @unlink($file);
            }
            @rmdir($this->stateDir);
            @unlink($this->logPath);
        }
        $this->process = null;
    }

    public function __destruct()
    {
        $this->stop();
    }

    private function control(string $method, string $path, string $body = ''): string
    {
        $context = stream_context_create([
            'http' => [
                'method' => $method,
                'header' => "Content-Type: application/json\r\nConnection: close\r\n",
                'content' => $body,
                'ignore_errors' => true,
                'timeout' => 10,
            ],
            'ssl' => [
                'cafile' => $this->stateDir . '/ca.pem',
                'verify_peer' => true,
                'verify_peer_name' => true,
            ],
        ]);
        $response = @file_get_contents($this->baseUrl . $path, false, $context);
        if ($response === false) {
            throw new \RuntimeException(
                "wxface-sim control request {$method} {$path} failed: " . (error_get_last()['message'] ?? '?'),
            );
        }
        $statusLine = $http_response_header[0] ?? '';
        if (preg_match('~^HTTP/\S+ 2\d\d~', $statusLine) !== 1) {
            throw new \RuntimeException(
                "wxface-sim control request {$method} {$path} answered {$statusLine}: {$response}",
            );
        }

        return $response;
    }

    private static function tempDir(): string
    {
        $dir = sys_get_temp_dir() . '/wxface-php-sim-' . getmypid() . '-' . bin2hex(random_bytes(4));
        if (!mkdir($dir, 0700)) {
            throw new \RuntimeException("cannot create {$dir}");
        }

        return $dir;
    }
}
