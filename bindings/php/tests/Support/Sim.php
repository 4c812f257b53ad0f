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

    /** A named id of the fixture, e.g. id('debt_out_user_id') (the keys of `wxface-sim --test-ids`). */
    public static function id(string $name): string
    {
        $id = self::ids()[$name] ?? null;
        if (!is_string($id)) {
            throw new \InvalidArgumentException("wxface-sim --test-ids names no id {$name}");
        }

        return $id;
    }

    /** The n-th contracted user of org() (1 ..= the fixture's last): the WeChat face user id. */
    public static function user(int $n): string
    {
        return self::numbered('contracted_users', $n);
    }

    /** The school's own id (out_user_id) of the n-th contracted user. */
    public static function outUser(int $n): string
    {
        return self::numbered('contracted_out_users', $n);
    }

    /** The contract of the n-th contracted user. */
    public static function contractId(int $n): string
    {
        return self::numbered('contracted_contract_ids', $n);
    }

    private static function numbered(string $range, int $n): string
    {
        $ids = self::ids()[$range];

        return $ids['prefix'] . str_pad((string) $n, (int) $ids['digits'], '0', STR_PAD_LEFT);
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

    /**
     * @return array{requests_per_path: array<string, int>, requests_total: int, connections_accepted: int,
     *               signature_failures: int, deductions_recorded: int, deductions_repeated: int}
     */
    public function stats(): array
    {
        return json_decode($this->control('GET', '/__sim/stats'), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * The last API requests received, oldest first: method, target, wechatpay_serial and body,
     * with every encrypted field of the body opened by the sim.
     *
     * @return list<array<string, mixed>>
     */
    public function requests(): array
    {
        return json_decode($this->control('GET', '/__sim/requests'), true, 512, JSON_THROW_ON_ERROR);
    }

    /** @return array<string, mixed> the last API request received */
    public function lastRequest(): array
    {
        $requests = $this->requests();
        if ($requests === []) {
            throw new \RuntimeException('wxface-sim received no API request');
        }

        return $requests[count($requests) - 1];
    }

    /**
     * A signed, encrypted notification made by the sim but not sent: id, event_type, headers,
     * body, plaintext. Options: event_type, user_id, tamper, apiv3_key, serial,
     * timestamp_offset_s, algorithm, ...
     *
     * @param array<string, mixed> $options
     *
     * @return array{id: string, event_type: string, headers: array<string, string>, body: string, plaintext: string}
     */
    public function buildNotification(array $options = []): array
    {
        $body = json_encode((object) $options, JSON_THROW_ON_ERROR);

        return json_decode($this->control('POST', '/__sim/notifications/build', $body), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * Sends a notification (options as for buildNotification(), plus url, retries, backoff_ms)
     * and returns the finished delivery.
     *
     * @param array<string, mixed> $options
     *
     * @return array<string, mixed>
     */
    public function sendNotification(array $options): array
    {
        $body = json_encode((object) $options, JSON_THROW_ON_ERROR);

        return json_decode($this->control('POST', '/__sim/notifications/send', $body), true, 512, JSON_THROW_ON_ERROR);
    }

    public function setNotifyUrl(?string $url): void
    {
        $this->control('POST', '/__sim/notifications/config', json_encode(['url' => $url], JSON_THROW_ON_ERROR));
    }

    /**
     * Blocks until $n deliveries have finished (the sim waits, not the test); their log.
     *
     * @return list<array<string, mixed>>
     */
    public function waitForNotifications(int $n, int $timeoutMs = 8000): array
    {
        $log = json_decode(
            $this->control('GET', "/__sim/notifications?wait={$n}&timeout_ms={$timeoutMs}"),
            true,
            512,
            JSON_THROW_ON_ERROR,
        );
        if ($log['timed_out']) {
            throw new \RuntimeException("waited for {$n} deliveries: " . json_encode($log));
        }

        return $log['deliveries'];
    }

    public function clearNotifications(): void
    {
        $this->control('DELETE', '/__sim/notifications');
    }

    /** @return array<string, mixed> the new certificate */
    public function rotatePlatformCertificate(): array
    {
        $certificate = $this->control('POST', '/__sim/rotate-platform-certificate');

        return json_decode($certificate, true, 512, JSON_THROW_ON_ERROR);
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
