<?php

declare(strict_types=1);

namespace Wxface\Tests;

use PHPUnit\Framework\TestCase;
use Wxface\Client;
use Wxface\Exception\ConfigException;
use Wxface\Exception\InvalidArgumentException;
use Wxface\Exception\WxfaceException;
use Wxface\Status;
use Wxface\Tests\Support\Sim;

/** Configurations the library refuses, and the ways to give a good one. */
final class ConfigTest extends TestCase
{
    private static Sim $sim;

    public static function setUpBeforeClass(): void
    {
        self::$sim = Sim::start();
    }

    public static function tearDownAfterClass(): void
    {
        self::$sim->stop();
    }

    public function testAGoodConfigurationAsArrayJsonOrFile(): void
    {
        self::assertInstanceOf(Client::class, new Client(self::$sim->config()));
        self::assertInstanceOf(Client::class, new Client((string) file_get_contents(self::$sim->configPath())));
        self::assertInstanceOf(Client::class, Client::fromFile(self::$sim->configPath()));
    }

    public function testAnUnknownKeyIsNamed(): void
    {
        $e = $this->refused(ConfigException::class, self::$sim->config() + ['merchant_id' => '1900000001']);
        self::assertStringContainsString('merchant_id', $e->getMessage());
    }

    public function testAMissingRequiredKeyIsNamed(): void
    {
        $config = self::$sim->config();
        unset($config['mchid']);
        self::assertStringContainsString('mchid', $this->refused(ConfigException::class, $config)->getMessage());
        self::assertStringContainsString('mchid', $this->refused(ConfigException::class, [])->getMessage());
    }

    public function testAWrongTypeIsNamed(): void
    {
        $e = $this->refused(ConfigException::class, ['request_timeout_ms' => 'soon'] + self::$sim->config());
        self::assertStringContainsString('request_timeout_ms', $e->getMessage());
    }

    public function testAPlainHttpBaseUrlIsRefused(): void
    {
        $e = $this->refused(ConfigException::class, ['base_url' => 'http://127.0.0.1:1'] + self::$sim->config());
        self::assertStringContainsString('base_url', $e->getMessage());
    }

    public function testAnUnreadableKeyFileIsAConfigError(): void
    {
        $e = $this->refused(
            ConfigException::class,
            ['private_key_file' => '/nonexistent/apiclient_key.pem'] + self::$sim->config(),
        );
        self::assertStringContainsString('/nonexistent/apiclient_key.pem', $e->getMessage());
    }

    public function testJsonThatDoesNotParseIsAConfigError(): void
    {
        $this->refused(ConfigException::class, '{"mchid": ');
    }

    public function testNulBytesAreRejectedBeforeTheLibrarySeesThem(): void
    {
        $json = (string) file_get_contents(self::$sim->configPath());
        $e = $this->refused(InvalidArgumentException::class, $json . "\0garbage");
        self::assertStringContainsString('NUL byte', $e->getMessage());
        $e = $this->refused(InvalidArgumentException::class, ['mchid' => "1900000001\0"] + self::$sim->config());
        self::assertStringContainsString('mchid', $e->getMessage());
        $this->refused(
            InvalidArgumentException::class,
            ['platform_certificate_files' => ["/tmp/a\0b"]] + self::$sim->config(),
        );
        $this->expectException(InvalidArgumentException::class);
        Client::fromFile(self::$sim->configPath() . "\0.json");
    }

    public function testFromFileOfAMissingFileOrADirectory(): void
    {
        foreach (['/nonexistent/client.json', self::$sim->stateDir()] as $path) {
            try {
                Client::fromFile($path);
                self::fail("fromFile({$path}) succeeded");
            } catch (ConfigException $e) {
                self::assertSame(Status::CONFIG, $e->getStatus());
                self::assertStringContainsString($path, $e->getMessage());
            }
        }
    }

    /**
     * @param class-string<WxfaceException> $class
     * @param array<string, mixed>|string   $config
     */
    public function testAPemGivenAsAFilePathIsNeverQuoted(): void
    {
        $config = self::$sim->config();
        $pem = (string) file_get_contents($config['private_key_file']);
        $lines = array_filter(explode("\n", $pem), fn (string $l) => $l !== '' && !str_starts_with($l, '-----'));
        foreach (['private_key_file', 'wechatpay_public_key_file', 'root_ca_file'] as $key) {
            $e = $this->refused(ConfigException::class, [$key => $pem] + $config);
            self::assertStringContainsString('a PEM document, not a file path', $e->getMessage());
            foreach ($lines as $line) {
                self::assertStringNotContainsString($line, $e->getMessage());
                self::assertStringNotContainsString($line, (string) $e);
            }
        }
    }

    public function testAKeyGivenTwiceInJsonIsRefused(): void
    {
        $json = rtrim(rtrim((string) file_get_contents(self::$sim->configPath())), '}') . ',"mchid":"1900000002"}';
        $e = $this->refused(ConfigException::class, $json);
        self::assertStringContainsString('"mchid" is given twice', $e->getMessage());
    }

    public function testAPortAbove65535IsRefused(): void
    {
        $e = $this->refused(ConfigException::class, ['base_url' => 'https://127.0.0.1:99999'] + self::$sim->config());
        self::assertStringContainsString('port', $e->getMessage());
    }

    public function testFromFileIsReadByTheLibrary(): void
    {
        // A UTF-8 BOM is skipped and relative key paths resolve against the file's folder.
        $config = self::$sim->config();
        $folder = sys_get_temp_dir() . '/wxface-php-config-' . getmypid();
        @mkdir($folder . '/keys', 0700, true);
        foreach (['private_key_file', 'wechatpay_public_key_file', 'root_ca_file'] as $key) {
            $name = basename($config[$key]);
            copy($config[$key], "{$folder}/keys/{$name}");
            $config[$key] = "keys/{$name}";
        }
        $path = "{$folder}/client.json";
        file_put_contents($path, "\u{FEFF}" . json_encode($config, JSON_UNESCAPED_SLASHES));
        try {
            Client::fromFile($path)->terminateContract(Sim::org(), Sim::user(30101));
            $this->addToAssertionCount(1);
        } finally {
            array_map('unlink', glob("{$folder}/keys/*") ?: []);
            @rmdir("{$folder}/keys");
            @unlink($path);
            @rmdir($folder);
        }
    }

    public function testFromFileRefusesAFifoAtOnce(): void
    {
        $fifo = sys_get_temp_dir() . '/wxface-php-fifo-' . getmypid();
        exec('mkfifo ' . escapeshellarg($fifo), $output, $code);
        self::assertSame(0, $code);
        try {
            Client::fromFile($fifo);
            self::fail('a FIFO was accepted');
        } catch (ConfigException $e) {
            self::assertStringContainsString('is a FIFO', $e->getMessage());
        } finally {
            @unlink($fifo);
        }
    }

    private function refused(string $class, array|string $config): WxfaceException
    {
        try {
            new Client($config);
        } catch (WxfaceException $e) {
            self::assertInstanceOf($class, $e, $e->getMessage());
            self::assertSame($e->getStatus(), $e->getCode());
            self::assertSame(0, $e->getHttpStatus());
            self::assertSame('', $e->getApiCode());
            self::assertSame('', $e->getRequestId());
            self::assertNull($e->getDetail());
            self::assertNotSame('', $e->getMessage());

            return $e;
        }
        self::fail('the configuration was accepted');
    }
}
