<?php

declare(strict_types=1);

namespace Wxface\Tests;

use PHPUnit\Framework\TestCase;
use Wxface\Client;
use Wxface\Exception\ConfigException;
use Wxface\Exception\InvalidArgumentException;
use Wxface\Exception\ResponseException;
use Wxface\Exception\SignatureException;
use Wxface\Exception\WxfaceException;
use Wxface\Notification;
use Wxface\Tests\Support\Sim;

/**
 * Notifications from wxface-sim parsed by Client::parseNotification (header arrays in every
 * shape PHP code holds them), refreshPlatformCertificates(), and examples/php/notify.php under
 * PHP's built-in server getting the sim's real deliveries.
 */
final class NotificationTest extends TestCase
{
    private const SIGNATURE_HEADERS = [
        'Wechatpay-Timestamp',
        'Wechatpay-Nonce',
        'Wechatpay-Signature',
        'Wechatpay-Serial',
    ];
    private const WRONG_APIV3_KEY = '0123456789abcdef0123456789abcdef';

    private static Sim $sim;
    private static Client $client;
    private static int $next = 45001;

    public static function setUpBeforeClass(): void
    {
        self::$sim = Sim::start();
        self::$client = new Client(self::$sim->config());
    }

    public static function tearDownAfterClass(): void
    {
        self::$sim->stop();
    }

    private static function freshUser(): string
    {
        return Sim::user(self::$next++);
    }

    public function testANotificationVerifiesAndDecrypts(): void
    {
        $user = self::freshUser();
        $sent = self::$sim->buildNotification(['user_id' => $user]);
        $n = self::$client->parseNotification($sent['headers'], $sent['body']);
        self::assertInstanceOf(Notification::class, $n);
        self::assertSame($sent['id'], $n->getId());
        self::assertSame('FACEPAY.USER_STATE_CHANGE', $n->getEventType());
        self::assertSame($sent['plaintext'], $n->getResourceText());
        self::assertSame(json_decode($sent['plaintext'], true), $n->getResource());
        self::assertSame($user, $n->getResource()['user_id']);
        self::assertNotSame('', $n->getCreateTime());
        self::assertIsString($n->getSummary());
    }

    /** @return array<string, array{string}> */
    public static function headerShapes(): array
    {
        return [
            'as sent' => ['as sent'],
            'lower case' => ['lower case'],
            'upper case' => ['upper case'],
            '$_SERVER style' => ['$_SERVER style'],
            'PSR-7 getHeaders() lists' => ['PSR-7 lists'],
        ];
    }

    /** @dataProvider headerShapes */
    public function testHeadersInAnyShape(string $shape): void
    {
        $sent = self::$sim->buildNotification();
        $four = array_intersect_key($sent['headers'], array_flip(self::SIGNATURE_HEADERS));
        $headers = [];
        foreach ($four as $name => $value) {
            match ($shape) {
                'as sent' => $headers = $sent['headers'],
                'lower case' => $headers[strtolower($name)] = $value,
                'upper case' => $headers[strtoupper($name)] = $value,
                '$_SERVER style' => $headers['HTTP_' . strtoupper(str_replace('-', '_', $name))] = $value,
                'PSR-7 lists' => $headers[$name] = [$value],
            };
        }
        if ($shape === '$_SERVER style') {
            $headers += ['REQUEST_METHOD' => 'POST', 'argv' => [], 'REQUEST_TIME' => 1];
        }
        self::assertSame($sent['id'], self::$client->parseNotification($headers, $sent['body'])->getId());
    }

    public function testAmbiguousHeadersAreRefusedBeforeAnyCheck(): void
    {
        $sent = self::$sim->buildNotification();
        $cases = [
            'given twice' => $sent['headers'] + ['wechatpay-nonce' => 'x'],
            '2 values' => ['Wechatpay-Nonce' => ['a', 'b']] + $sent['headers'],
            'NUL byte' => ['Wechatpay-Nonce' => "a\0b"] + $sent['headers'],
            'must be a string' => ['Wechatpay-Nonce' => 7] + $sent['headers'],
        ];
        foreach ($cases as $says => $headers) {
            try {
                self::$client->parseNotification($headers, $sent['body']);
                self::fail("accepted: {$says}");
            } catch (InvalidArgumentException $e) {
                self::assertStringContainsString($says, $e->getMessage());
                self::assertFalse($e->isRequestSent());
            }
        }
    }

    public function testAMissingHeaderIsNamed(): void
    {
        $sent = self::$sim->buildNotification();
        foreach (self::SIGNATURE_HEADERS as $missing) {
            $headers = $sent['headers'];
            unset($headers[$missing]);
            try {
                self::$client->parseNotification($headers, $sent['body']);
                self::fail("accepted without {$missing}");
            } catch (SignatureException $e) {
                self::assertStringContainsString($missing, $e->getMessage());
            }
        }
    }

    /** @return array<string, array{array<string, mixed>, class-string<WxfaceException>, string}> */
    public static function badNotifications(): array
    {
        return [
            'tampered' => [['tamper' => true], SignatureException::class, 'signature'],
            'wrong APIv3 key' => [['apiv3_key' => self::WRONG_APIV3_KEY], SignatureException::class, 'APIv3 key'],
            'unknown serial' => [
                ['serial' => 'PUB_KEY_ID_0000000000000000000000000000'],
                SignatureException::class,
                'PUB_KEY_ID_0000',
            ],
            'stale' => [['timestamp_offset_s' => -400], SignatureException::class, 'behind'],
            'future' => [['timestamp_offset_s' => 400], SignatureException::class, 'ahead'],
            'other algorithm' => [['algorithm' => 'AEAD_SM4_GCM'], ResponseException::class, 'algorithm'],
        ];
    }

    /**
     * @dataProvider badNotifications
     *
     * @param array<string, mixed>             $options
     * @param class-string<WxfaceException> $class
     */
    public function testABadNotificationSaysWhichCheckFailed(array $options, string $class, string $says): void
    {
        $bad = self::$sim->buildNotification($options);
        try {
            self::$client->parseNotification($bad['headers'], $bad['body']);
            self::fail('accepted');
        } catch (WxfaceException $e) {
            self::assertInstanceOf($class, $e);
            self::assertStringContainsString($says, $e->getMessage());
            self::assertFalse($e->isRequestSent(), 'a notification is received, not requested');
        }
    }

    public function testAnyEventTypeIsAccepted(): void
    {
        $payment = self::$sim->buildNotification(['event_type' => 'TRANSACTION.SUCCESS']);
        $n = self::$client->parseNotification($payment['headers'], $payment['body']);
        self::assertSame('TRANSACTION.SUCCESS', $n->getEventType());
        self::assertSame($payment['plaintext'], $n->getResourceText());
        $text = self::$sim->buildNotification(['plaintext' => 'not JSON']);
        self::assertSame([], self::$client->parseNotification($text['headers'], $text['body'])->getResource());
    }

    public function testWithoutTheApiv3KeyParsingIsAConfigError(): void
    {
        $config = self::$sim->config();
        unset($config['apiv3_key']);
        $sent = self::$sim->buildNotification();
        $this->expectException(ConfigException::class);
        $this->expectExceptionMessage('APIv3 key');
        (new Client($config))->parseNotification($sent['headers'], $sent['body']);
    }

    public function testRefreshCountsTheCertificatesAndFollowsARotation(): void
    {
        $sim = Sim::start(['--key-mode', 'certificate']);
        try {
            $client = new Client($sim->config());
            self::assertSame(1, $client->refreshPlatformCertificates());
            $sim->rotatePlatformCertificate();
            self::assertSame(2, $client->refreshPlatformCertificates());
            $client->terminateContract(Sim::org(), self::freshUser());
            $auto = Client::fromFile($sim->stateDir() . '/client-auto.json');
            self::assertSame(204, $auto->terminateContract(Sim::org(), self::freshUser())->getHttpStatus());
            $wrong = new Client(['apiv3_key' => self::WRONG_APIV3_KEY] + $sim->config());
            $this->expectException(SignatureException::class);
            $this->expectExceptionMessage('APIv3 key');
            $wrong->refreshPlatformCertificates();
        } finally {
            $sim->stop();
        }
    }

    /**
     * examples/php/notify.php under `php -S`, fed by the sim: what the README's PHP notify
     * endpoint does with a real delivery and with a tampered one.
     */
    public function testTheExampleEndpointAcceptsWhatTheSimSends(): void
    {
        $example = dirname(__DIR__, 3) . '/examples/php/notify.php';
        $pipes = [];
        $server = proc_open(
            [PHP_BINARY, '-d', 'ffi.enable=1', '-S', '127.0.0.1:0', $example],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['pipe', 'w']],
            $pipes,
            null,
            ['WXFACE_CONFIG' => self::$sim->configPath()] + getenv(),
        );
        self::assertIsResource($server);
        try {
            $started = (string) fgets($pipes[2]);
            self::assertMatchesRegularExpression('~Development Server \(http://127\.0\.0\.1:\d+\) started~', $started);
            preg_match('~\((http://127\.0\.0\.1:\d+)\)~', $started, $m);
            self::$sim->clearNotifications();
            self::$sim->setNotifyUrl($m[1] . '/notify');

            $user = self::freshUser();
            self::$client->terminateContract(Sim::org(), $user);
            [$delivery] = self::$sim->waitForNotifications(1);
            self::assertSame('delivered', $delivery['outcome'], json_encode($delivery));
            self::assertSame(204, $delivery['attempts'][0]['status']);
            $logged = self::logLine($pipes[2], 'notification ');
            self::assertStringContainsString("FACEPAY.USER_STATE_CHANGE user {$user}", $logged);

            $failed = self::$sim->sendNotification(['tamper' => true, 'retries' => 1, 'backoff_ms' => 1]);
            self::assertSame('failed', $failed['outcome']);
            self::assertSame([400, 400], array_column($failed['attempts'], 'status'));
            self::assertStringContainsString('"code":"FAIL"', $failed['attempts'][0]['reply']);
            self::assertStringStartsWith('refused: ', self::logLine($pipes[2], 'refused: '));
        } finally {
            self::$sim->setNotifyUrl(null);
            proc_terminate($server);
            proc_close($server);
        }
    }

    /** The next line of the built-in server's log that starts with $prefix (after its timestamp parts). */
    private static function logLine(mixed $stderr, string $prefix): string
    {
        while (($line = fgets($stderr)) !== false) {
            if (str_starts_with($line, $prefix)) {
                return $line;
            }
        }
        self::fail("the server's log ended before a line starting with {$prefix}");
    }
}
