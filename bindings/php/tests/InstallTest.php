<?php

declare(strict_types=1);

namespace Wxface\Tests;

use PHPUnit\Framework\TestCase;
use Wxface\Client;
use Wxface\Exception\ApiException;
use Wxface\Library;
use Wxface\Tests\Support\Command;
use Wxface\Tests\Support\Fpm;
use Wxface\Tests\Support\Readme;
use Wxface\Tests\Support\Sim;

/**
 * The README's PHP install blocks, verbatim (scripts/readme-block): Composer installs
 * wxface/wxface from the path repository into a new project, whose autoloader finds the
 * library in the documented order; PHP-FPM preloads the wrapper (opcache.preload,
 * ffi.enable=preload) and a request sent with cgi-fcgi terminates a contract against wxface-sim.
 */
final class InstallTest extends TestCase
{
    /** Holds `wxface` (a link to this checkout, where the README's block expects it) and `app`. */
    private static string $dir;
    private static string $composerOutput;

    public static function setUpBeforeClass(): void
    {
        self::$dir = self::tempDir();
        symlink(Readme::repo(), self::$dir . '/wxface');
        [$code, self::$composerOutput] = Command::run(
            ['bash', '-euo', 'pipefail', '-c', Readme::block('php-composer')],
            [
                // Composer's settings and caches stay in this test's folder.
                'COMPOSER_HOME' => self::$dir . '/composer-home',
                // The security audit asks Packagist, which this install does not otherwise need.
                'COMPOSER_NO_AUDIT' => '1',
                // CI runs as root; Composer would only warn about it.
                'COMPOSER_ALLOW_SUPERUSER' => '1',
                'WXFACE_LIBRARY' => false,
            ],
            self::$dir,
        );
        if ($code !== 0) {
            throw new \RuntimeException("README block php-composer exited with {$code}:\n" . self::$composerOutput);
        }
    }

    public static function tearDownAfterClass(): void
    {
        // rm -rf removes the link to the checkout, never what it points at.
        Command::run(['rm', '-rf', self::$dir]);
    }

    public function testComposerInstallsACopyOfThePackageAndItsAutoloaderLoadsTheLibrary(): void
    {
        self::assertStringContainsString('Installing wxface/wxface (dev-', self::$composerOutput);
        self::assertStringContainsString('Mirroring from ../wxface/bindings/php', self::$composerOutput);
        self::assertFalse(is_link(self::app() . '/vendor/wxface/wxface'));
        // The block's last command prints the version through vendor/autoload.php.
        self::assertStringEndsWith("\n" . Library::version() . "\n", self::$composerOutput);
    }

    public function testTheInstalledPackageLooksForTheLibraryInTheDocumentedOrder(): void
    {
        $system = self::$dir . '/system'; // on LD_LIBRARY_PATH: where the system loader looks
        mkdir($system);
        copy(self::built(), "{$system}/libwxface.so.1");
        $elsewhere = self::$dir . '/libwxface-elsewhere.so';
        copy(self::built(), $elsewhere);
        $bundled = self::app() . '/vendor/wxface/wxface/lib/libwxface.so';

        self::assertSame('libwxface.so.1', self::origin(['WXFACE_LIBRARY' => false, 'LD_LIBRARY_PATH' => $system]));
        mkdir(dirname($bundled));
        copy(self::built(), $bundled);
        try {
            self::assertSame($bundled, self::origin(['WXFACE_LIBRARY' => false, 'LD_LIBRARY_PATH' => $system]));
            self::assertSame($elsewhere, self::origin(['WXFACE_LIBRARY' => $elsewhere, 'LD_LIBRARY_PATH' => $system]));
        } finally {
            unlink($bundled);
            rmdir(dirname($bundled));
        }
    }

    public function testUnderPhpFpmThePreloadedWrapperTerminatesAContract(): void
    {
        $fpmDir = self::$dir . '/fpm';
        mkdir("{$fpmDir}/conf.d", 0755, true);
        // The README's ini file, where it would be in /etc/php/X.Y/fpm/conf.d.
        file_put_contents("{$fpmDir}/conf.d/90-wxface.ini", Readme::block('php-fpm-ini'));
        // This test's own pool on a Unix socket, ending with the README's pool lines.
        $socket = "{$fpmDir}/php-fpm.sock";
        file_put_contents(
            "{$fpmDir}/php-fpm.conf",
            "[global]\npid = {$fpmDir}/php-fpm.pid\n\n"
            . "[wxface-test]\nlisten = {$socket}\npm = static\npm.max_children = 1\n"
            . Readme::block('php-fpm-pool'),
        );
        // A copy in the test's folder: as root, the preload runs as www-data (the README's
        // opcache.preload_user), which may not be able to read the checkout.
        $library = "{$fpmDir}/libwxface.so";
        copy(self::built(), $library);
        copy(__DIR__ . '/fpm/terminate.php', self::app() . '/terminate.php');

        $sim = Sim::start();
        $user = Sim::user(40001);
        $fpm = Fpm::start("{$fpmDir}/php-fpm.conf", [
            'APP_ROOT' => self::app(),
            'WXFACE_LIBRARY' => $library,
            // The leading ':' keeps PHP-FPM's own conf.d and adds this one after it.
            'PHP_INI_SCAN_DIR' => ":{$fpmDir}/conf.d",
        ]);
        try {
            // cgi-fcgi sends its environment as the request's FastCGI parameters.
            [$code, $response] = Command::run(['cgi-fcgi', '-bind', '-connect', $socket], [
                'SCRIPT_FILENAME' => self::app() . '/terminate.php',
                'REQUEST_METHOD' => 'GET',
                'WXFACE_CONFIG' => $sim->configPath(),
                'WXFACE_ORG' => Sim::org(),
                'WXFACE_USER' => $user,
            ], inherit: false);
        } finally {
            $log = $fpm->stop();
        }

        $context = "response:\n{$response}\nphp-fpm log:\n{$log}";
        self::assertSame(0, $code, $context);
        self::assertStringContainsString(
            "SAPI fpm-fcgi, ffi.enable=preload, Wxface\\Library preloaded\nlibrary {$library}\n"
            . "terminated {$user}: HTTP 204, request id ",
            $response,
            $context,
        );
        self::assertStringNotContainsString('Status: 500', $response, $context);

        // The simulator got the request once, and the contract is terminated now.
        $terminations = array_filter(
            $sim->requests(),
            fn (array $r): bool => $r['method'] === 'POST'
                && str_ends_with($r['target'], "/users/user-id/{$user}/terminate-contract"),
        );
        self::assertCount(1, $terminations);
        try {
            Client::fromFile($sim->configPath())->terminateContract(Sim::org(), $user);
            self::fail('a second termination of the same contract succeeded');
        } catch (ApiException $e) {
            self::assertSame([400, 'PARAM_ERROR'], [$e->getHttpStatus(), $e->getApiCode()]);
        }
        $sim->stop();
    }

    /**
     * Where a new PHP process of the Composer project loads the library from.
     *
     * @param array<string, string|false> $env
     */
    private static function origin(array $env): string
    {
        [$code, $output] = Command::run(
            [PHP_BINARY, '-r', 'require "vendor/autoload.php"; echo \Wxface\Library::origin();'],
            $env,
            self::app(),
        );
        self::assertSame(0, $code, $output);

        return $output;
    }

    private static function app(): string
    {
        return self::$dir . '/app';
    }

    private static function built(): string
    {
        return (string) getenv('WXFACE_LIBRARY');
    }

    private static function tempDir(): string
    {
        $dir = sys_get_temp_dir() . '/wxface-php-install-' . getmypid() . '-' . bin2hex(random_bytes(4));
        // 0755: when the test runs as root, the preload script runs as www-data and reads the project.
        if (!mkdir($dir, 0755) || !chmod($dir, 0755)) {
            throw new \RuntimeException("cannot create {$dir}");
        }

        return (string) realpath($dir);
    }
}
