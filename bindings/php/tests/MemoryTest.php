<?php

declare(strict_types=1);

namespace Wxface\Tests;

use PHPUnit\Framework\TestCase;
use Wxface\Client;
use Wxface\Exception\ConfigException;
use Wxface\Exception\InvalidArgumentException;
use Wxface\Tests\Support\NativeHeap;
use Wxface\Tests\Support\Sim;

/**
 * Native objects are freed: 1,000 clients made and dropped (and 1,000 failures, whose error
 * objects must be freed too) leave the C heap where it was. See NativeHeap for why the C
 * heap's own count is measured rather than VmRSS.
 */
final class MemoryTest extends TestCase
{
    private const CYCLES = 1000;
    /** Slack for allocator bookkeeping; one leaked client alone is far bigger than this. */
    private const SLACK_BYTES = 64 * 1024;

    private static Sim $sim;

    public static function setUpBeforeClass(): void
    {
        self::$sim = Sim::start();
    }

    public static function tearDownAfterClass(): void
    {
        self::$sim->stop();
    }

    protected function setUp(): void
    {
        if (!NativeHeap::available()) {
            self::fail('mallinfo2() is not available (glibc >= 2.33 needed) to measure the native heap');
        }
    }

    public function testClientsAreFreed(): void
    {
        $json = (string) file_get_contents(self::$sim->configPath());
        $this->assertNoGrowth(static function () use ($json): void {
            $client = new Client($json);
            unset($client);
        });
    }

    public function testErrorsAreFreed(): void
    {
        $config = ['bogus_key' => true] + self::$sim->config();
        $client = new Client(self::$sim->config());
        $this->assertNoGrowth(static function () use ($config, $client): void {
            try {
                new Client($config);
            } catch (ConfigException) {
            }
            try {
                $client->terminateContract('DBES323aeb', '..');
            } catch (InvalidArgumentException) {
            }
        });
    }

    private function assertNoGrowth(callable $cycle): void
    {
        for ($i = 0; $i < 50; $i++) {
            $cycle();
        }
        gc_collect_cycles();
        $before = NativeHeap::bytesInUse();
        for ($i = 0; $i < self::CYCLES; $i++) {
            $cycle();
        }
        gc_collect_cycles();
        $growth = NativeHeap::bytesInUse() - $before;
        self::assertLessThan(
            self::SLACK_BYTES,
            $growth,
            sprintf('the C heap grew by %d bytes over %d cycles', $growth, self::CYCLES),
        );
    }
}
