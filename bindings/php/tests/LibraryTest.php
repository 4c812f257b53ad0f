<?php

declare(strict_types=1);

namespace Wxface\Tests;

use PHPUnit\Framework\TestCase;
use Wxface\Library;
use Wxface\Tests\Support\PhpProcess;

/** Loading the library, and the messages that say how to fix a failed load. */
final class LibraryTest extends TestCase
{
    private const PRINT_VERSION = 'require "autoload.php"; try { echo \Wxface\Library::version(), "\n"; } '
        . 'catch (\Wxface\Exception\LibraryException $e) { '
        . 'echo get_class($e), ": ", $e->getMessage(), "\n"; exit(3); }';

    public function testVersionComesFromTheLoadedLibrary(): void
    {
        self::assertMatchesRegularExpression('~^wxface/\d+\.\d+\.\d+ rustls/0\.23\.\d+~', Library::version());
        self::assertSame(getenv('WXFACE_LIBRARY'), Library::origin());
    }

    public function testAMissingLibraryNamesEveryPlaceTried(): void
    {
        [$code, $output] = PhpProcess::run(
            ['-r', self::PRINT_VERSION],
            ['WXFACE_LIBRARY' => '/nonexistent/libwxface.so'],
        );
        self::assertSame(3, $code, $output);
        self::assertStringContainsString(
            'Wxface\Exception\LibraryException: cannot load the wxface shared library; tried:',
            $output,
        );
        self::assertStringContainsString('$WXFACE_LIBRARY: /nonexistent/libwxface.so (no such file)', $output);
        self::assertStringContainsString(
            'bundled copy: ' . dirname(__DIR__) . '/lib/libwxface.so (no such file)',
            $output,
        );
        self::assertMatchesRegularExpression(
            '~system loader: libwxface\.so\.1 \(dlopen failed.*\n.*system loader: libwxface\.so \(dlopen failed~',
            $output,
        );
        self::assertStringContainsString('Fix: set WXFACE_LIBRARY=', $output);
    }

    public function testALibraryWithoutTheWxfaceFunctionsIsRefused(): void
    {
        [$code, $output] = PhpProcess::run(['-r', self::PRINT_VERSION], ['WXFACE_LIBRARY' => $this->libc()]);
        self::assertSame(3, $code, $output);
        self::assertStringContainsString('(not a wxface ABI 1 library: Failed resolving C function', $output);
    }

    public function testFfiDisabledByIniSaysWhichSettingToChange(): void
    {
        [$code, $output] = PhpProcess::run(['-d', 'ffi.enable=0', '-r', self::PRINT_VERSION]);
        self::assertSame(3, $code, $output);
        self::assertStringContainsString('FFI is disabled by ffi.enable=0', $output);
        self::assertStringContainsString('"ffi.enable=1"', $output);
        self::assertStringContainsString('opcache.preload=/path/to/wxface/preload.php', $output);
    }

    public function testMissingFfiExtensionSaysHowToEnableIt(): void
    {
        // -n: no php.ini, so no shared extensions (Debian builds FFI as a shared extension).
        $ffiBuiltIn = 'if (extension_loaded("ffi")) { echo "FFI is built in\n"; exit(0); } ';
        [$code, $output] = PhpProcess::run(['-n', '-r', $ffiBuiltIn . self::PRINT_VERSION]);
        if ($output === "FFI is built in\n") {
            self::markTestSkipped('this PHP has FFI built in; it cannot be unloaded');
        }
        self::assertSame(3, $code, $output);
        self::assertStringContainsString('the PHP FFI extension is not loaded', $output);
        self::assertStringContainsString('"extension=ffi"', $output);
    }

    public function testUnderANonCliSapiFfiNeedsThePreloadScript(): void
    {
        // php-cgi enforces ffi.enable=preload the way PHP-FPM does (the CLI is exempt).
        $cgi = dirname(PHP_BINARY) . '/php-cgi';
        if (!is_executable($cgi)) {
            self::markTestSkipped("{$cgi} is missing (apt-get install -y php-cgi); scripts/test-php installs it");
        }
        $script = tempnam(dirname(__DIR__), 'cgi-check-');
        file_put_contents($script, '<?php ' . self::PRINT_VERSION);
        try {
            [$code, $output] = self::runCgi($cgi, ['-d', 'ffi.enable=preload', '-f', $script]);
            self::assertSame(3, $code, $output);
            self::assertStringContainsString('FFI::cdef is not allowed here: ffi.enable=preload', $output);
            self::assertStringContainsString('opcache.preload is not set', $output);
            self::assertStringContainsString('"opcache.preload=/path/to/wxface/preload.php"', $output);

            $preload = ['-d', 'opcache.enable=1', '-d', 'opcache.preload=' . dirname(__DIR__) . '/preload.php'];
            if (function_exists('posix_geteuid') ? posix_geteuid() === 0 : trim((string) shell_exec('id -u')) === '0') {
                $preload = [...$preload, '-d', 'opcache.preload_user=root'];
            }
            [$code, $output] = self::runCgi($cgi, [...$preload, '-d', 'ffi.enable=preload', '-f', $script]);
            self::assertSame(0, $code, $output);
            self::assertSame(Library::version() . "\n", $output);
        } finally {
            unlink($script);
        }
    }

    /**
     * @param list<string> $args
     *
     * @return array{int, string}
     */
    private static function runCgi(string $cgi, array $args): array
    {
        $pipes = [];
        $descriptors = [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]];
        $process = proc_open([$cgi, '-q', ...$args], $descriptors, $pipes, dirname(__DIR__));
        $output = (string) stream_get_contents($pipes[1]);
        fclose($pipes[1]);

        return [proc_close($process), $output];
    }

    private function libc(): string
    {
        $candidates = [
            '/lib/x86_64-linux-gnu/libc.so.6',
            '/lib/aarch64-linux-gnu/libc.so.6',
            '/usr/lib/libc.so.6',
            '/lib64/libc.so.6',
        ];
        foreach ($candidates as $path) {
            if (is_file($path)) {
                return $path;
            }
        }
        self::markTestSkipped('no libc.so.6 at a known path');
    }
}
