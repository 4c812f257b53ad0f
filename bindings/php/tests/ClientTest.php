<?php

declare(strict_types=1);

namespace Wxface\Tests;

use PHPUnit\Framework\TestCase;
use Wxface\Client;
use Wxface\Exception\ApiException;
use Wxface\Exception\InvalidArgumentException;
use Wxface\Exception\NetworkException;
use Wxface\Exception\SignatureException;
use Wxface\Exception\TimeoutException;
use Wxface\Exception\WxfaceException;
use Wxface\Status;
use Wxface\Tests\Support\Sim;

/**
 * terminateContract against wxface-sim. Each test works on users of its own (the sim's
 * fixture contracts U0000000001..U0000099999 of Sim::org()).
 */
final class ClientTest extends TestCase
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

    protected function tearDown(): void
    {
        self::$sim->clearFaults();
    }

    public function testTerminatesAContractThenRefusesToTerminateItAgain(): void
    {
        $client = new Client(self::$sim->config());
        $before = self::$sim->stats()['requests_total'];
        $client->terminateContract(Sim::org(), Sim::user(10001));
        self::assertSame($before + 1, self::$sim->stats()['requests_total']);

        $e = $this->failure(ApiException::class, fn () => $client->terminateContract(Sim::org(), Sim::user(10001)));
        self::assertSame(400, $e->getHttpStatus());
        self::assertSame('PARAM_ERROR', $e->getApiCode());
    }

    public function testAClientFromFileWorks(): void
    {
        Client::fromFile(self::$sim->configPath())->terminateContract(Sim::org(), Sim::user(10002));
        $this->addToAssertionCount(1);
    }

    public function testAnAlreadyTerminatedUserIsAParamError(): void
    {
        $client = new Client(self::$sim->config());
        $e = $this->failure(
            ApiException::class,
            fn () => $client->terminateContract(Sim::org(), Sim::terminatedUser()),
        );
        self::assertSame(400, $e->getHttpStatus());
        self::assertSame('PARAM_ERROR', $e->getApiCode());
    }

    public function testAnUnknownUserFillsEveryApiGetter(): void
    {
        $client = new Client(self::$sim->config());
        $e = $this->failure(ApiException::class, fn () => $client->terminateContract(Sim::org(), Sim::user(100003)));
        self::assertSame(Status::API, $e->getStatus());
        self::assertSame(Status::API, $e->getCode());
        self::assertSame(404, $e->getHttpStatus());
        self::assertSame('NOT_FOUND', $e->getApiCode());
        self::assertNotSame('', $e->getRequestId());
        self::assertNotSame('', $e->getMessage());
    }

    public function testASignErrorCarriesTheServersSignMessage(): void
    {
        // A second sim has another merchant key: signing with it is what a wrong key file does.
        $other = Sim::start();
        try {
            $client = new Client(
                ['private_key_file' => $other->stateDir() . '/merchant_key.pem'] + self::$sim->config(),
            );
        } finally {
            $other->stop();
        }
        $e = $this->failure(ApiException::class, fn () => $client->terminateContract(Sim::org(), Sim::user(10004)));
        self::assertSame(401, $e->getHttpStatus());
        self::assertSame('SIGN_ERROR', $e->getApiCode());
        self::assertNotSame('', $e->getRequestId());
        $detail = $e->getDetail();
        self::assertIsArray($detail);
        self::assertSame($detail, json_decode($e->getDetailJson(), true));
        $signed = $detail['sign_information']['truncated_sign_message'] ?? null;
        self::assertIsString($signed);
        self::assertStringStartsWith(
            "POST\n/v3/offlinefacemch/organizations/" . Sim::org() . "/users/user-id/U0000010004/terminate-contract\n",
            $signed,
        );
    }

    public function testABadAnswerSignatureIsASignatureException(): void
    {
        $client = new Client(self::$sim->config());
        self::$sim->setFault('bad_signature', 1);
        $e = $this->failure(
            SignatureException::class,
            fn () => $client->terminateContract(Sim::org(), Sim::user(10005)),
        );
        self::assertSame(Status::SIGNATURE, $e->getStatus());
        self::assertSame('', $e->getApiCode());
        self::assertNull($e->getDetail());
    }

    public function testASlowAnswerIsATimeoutException(): void
    {
        $client = new Client(['request_timeout_ms' => 1000] + self::$sim->config());
        self::$sim->setFault('delay:3000', 1);
        $started = microtime(true);
        $e = $this->failure(TimeoutException::class, fn () => $client->terminateContract(Sim::org(), Sim::user(10006)));
        $elapsed = microtime(true) - $started;
        self::assertSame(Status::TIMEOUT, $e->getStatus());
        self::assertSame(0, $e->getHttpStatus());
        self::assertGreaterThanOrEqual(0.9, $elapsed);
        self::assertLessThan(2.5, $elapsed, 'the 1000 ms deadline did not stop the call');
    }

    public function testInvalidIdsSendNothing(): void
    {
        $client = new Client(self::$sim->config());
        $before = self::$sim->stats();
        $bad = [
            [Sim::org(), ''],
            ['', Sim::user(10007)],
            [Sim::org(), 'U0000010007/../x'],
            [Sim::org(), 'U0000010007?x=1'],
            [Sim::org(), 'U#1'],
            [Sim::org(), '100%'],
            [Sim::org(), 'a\\b'],
            [Sim::org(), '.'],
            [Sim::org(), '..'],
            [Sim::org(), 'U 0000010007'],
            [Sim::org(), "U0000010007\n"],
            [Sim::org(), 'Ü0000010007'],
            [Sim::org(), str_repeat('U', 257)],
            [Sim::org(), "U0000010007\0"],
            [Sim::org() . "\0", Sim::user(10007)],
        ];
        foreach ($bad as [$org, $user]) {
            $e = $this->failure(InvalidArgumentException::class, fn () => $client->terminateContract($org, $user));
            self::assertSame(Status::INVALID_ARGUMENT, $e->getStatus());
        }
        $after = self::$sim->stats();
        self::assertSame($before['requests_total'], $after['requests_total']);
        self::assertSame($before['requests_per_path'], $after['requests_per_path']);
        // The same user is still contracted: nothing reached the sim on its behalf.
        $client->terminateContract(Sim::org(), Sim::user(10007));
    }

    public function testAClientCannotBeCloned(): void
    {
        $client = new Client(self::$sim->config());
        $this->expectException(\LogicException::class);
        $copy = clone $client;
    }

    public function testIsRequestSentTellsWhetherARetryIsSafe(): void
    {
        $client = new Client(self::$sim->config());
        $invalid = $this->failure(
            InvalidArgumentException::class,
            fn () => $client->terminateContract(Sim::org(), 'a/b'),
        );
        self::assertFalse($invalid->isRequestSent());
        $api = $this->failure(
            ApiException::class,
            fn () => $client->terminateContract(Sim::org(), Sim::terminatedUser()),
        );
        self::assertTrue($api->isRequestSent());
        self::$sim->setFault('drop_connection', 1);
        $dropped = $this->failure(
            NetworkException::class,
            fn () => $client->terminateContract(Sim::org(), Sim::user(10011)),
        );
        self::assertTrue($dropped->isRequestSent(), 'the request was written: the outcome is unknown');
        $unreachable = new Client(['base_url' => 'https://127.0.0.1:1'] + self::$sim->config());
        $refused = $this->failure(
            NetworkException::class,
            fn () => $unreachable->terminateContract(Sim::org(), Sim::user(10012)),
        );
        self::assertFalse($refused->isRequestSent());
    }

    /**
     * @template T of WxfaceException
     *
     * @param class-string<T> $class
     *
     * @return T
     */
    private function failure(string $class, callable $call): WxfaceException
    {
        try {
            $call();
        } catch (WxfaceException $e) {
            self::assertInstanceOf($class, $e, get_class($e) . ': ' . $e->getMessage());
            self::assertInstanceOf(\RuntimeException::class, $e);
            self::assertNotSame('', $e->getMessage());

            return $e;
        }
        self::fail("expected {$class}, but the call succeeded");
    }
}
