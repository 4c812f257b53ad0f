<?php

declare(strict_types=1);

namespace Wxface;

use FFI;
use Wxface\Exception\LibraryException;

/**
 * Finds, loads and checks libwxface; every other class gets the FFI instance from here.
 *
 * The library is looked for in this order (the same as the Python wrapper):
 *  1. the environment variable WXFACE_LIBRARY (full path of the shared library);
 *  2. a copy bundled in this package: lib/libwxface.so (.dylib on macOS, wxface.dll on Windows);
 *  3. the system loader (LD_LIBRARY_PATH, ldconfig paths): libwxface.so.1, the SONAME that
 *     `make install` installs, then libwxface.so (which may be only a development symlink).
 * The first one that loads is kept for the rest of the process (or request). The ABI generation
 * it reports must equal ABI_VERSION.
 *
 * Under PHP-FPM, FFI's default ffi.enable=preload refuses FFI::cdef to code that was not
 * preloaded; call Library::preload() from the opcache.preload script (see preload.php).
 */
final class Library
{
    /** The ABI generation this wrapper was written for (WXFACE_ABI_VERSION of wxface.h). */
    public const ABI_VERSION = Native::ABI_VERSION;

    /** The environment variable naming the library's full path. */
    public const ENV = 'WXFACE_LIBRARY';

    /** Everything preload() makes permanent. */
    private const CLASSES = [
        self::class,
        Native::class,
        Client::class,
        NativeError::class,
        Response::class,
        Status::class,
        Exception\WxfaceException::class,
        Exception\InvalidArgumentException::class,
        Exception\ConfigException::class,
        Exception\NetworkException::class,
        Exception\TimeoutException::class,
        Exception\TlsException::class,
        Exception\ApiException::class,
        Exception\SignatureException::class,
        Exception\ResponseException::class,
        Exception\InternalException::class,
        Exception\LibraryException::class,
    ];

    private static ?Native $native = null;
    private static string $origin = '';

    private function __construct()
    {
    }

    /** The loaded library's version string, e.g. "wxface/0.2.0 rustls/0.23.x". */
    public static function version(): string
    {
        return self::string(self::native()->version());
    }

    /**
     * For opcache.preload under PHP-FPM. With ffi.enable=preload (PHP's default) FFI may only
     * be used by the CLI and by code that was preloaded. This preloads every Wxface class
     * (so Library's own FFI::cdef is allowed at request time) and loads the library once,
     * so a wrong path stops the server start with the reason instead of failing requests.
     * Works with opcache.preload_user (FFI::load and FFI_SCOPE do not).
     */
    public static function preload(): void
    {
        foreach (self::CLASSES as $class) {
            if (!class_exists($class) && !interface_exists($class)) {
                throw LibraryException::because(
                    "Library::preload(): class {$class} is not autoloadable; "
                    . "require the package's autoload.php first",
                );
            }
        }
        self::native();
    }

    /** The path or name the library was loaded from (loads it if needed). */
    public static function origin(): string
    {
        self::native();

        return self::$origin;
    }

    /**
     * The loaded libwxface (loaded, ABI-checked and cached on first use).
     *
     * @internal used by Client; not part of the public API
     */
    public static function native(): Native
    {
        return self::$native ?? self::load();
    }

    /**
     * A returned `const char *` as a PHP string (FFI already converts most of them; NULL
     * never comes from wxface, but reads as "").
     *
     * @internal
     */
    public static function string(mixed $value): string
    {
        if (is_string($value)) {
            return $value;
        }
        if ($value instanceof FFI\CData && !FFI::isNull($value)) {
            return FFI::string($value);
        }

        return '';
    }

    private static function load(): Native
    {
        self::requireExtension();
        $header = self::header();
        $tried = [];
        foreach (self::candidates() as [$where, $library]) {
            if (!self::plausible($library, $where, $tried)) {
                continue;
            }
            try {
                $ffi = FFI::cdef($header, $library);
            } catch (\FFI\Exception $e) {
                self::rethrowIfRestricted($e);
                $tried[] = "{$where}: {$library} (" . self::reason($e) . ')';
                continue;
            }

            return self::use(new Native($ffi), $library);
        }
        throw self::notFound($tried);
    }

    /** Checks the ABI generation, then caches $native. */
    private static function use(Native $native, string $origin): Native
    {
        $abi = $native->abiVersion();
        if ($abi !== self::ABI_VERSION) {
            throw LibraryException::because(sprintf(
                'wxface library %s has ABI version %d, but this PHP wrapper needs ABI version %d: '
                . 'install the library and the wrapper from the same wxface release '
                . '(or point %s at a matching library)',
                $origin,
                $abi,
                self::ABI_VERSION,
                self::ENV,
            ));
        }
        self::$native = $native;
        self::$origin = $origin;

        return $native;
    }

    /**
     * Where to look, in order: [description, path or name].
     *
     * @return list<array{string, string}>
     */
    private static function candidates(): array
    {
        $candidates = [];
        $env = getenv(self::ENV);
        if (is_string($env) && $env !== '') {
            $candidates[] = ['$' . self::ENV, $env];
        }
        [$bundled, $system] = match (PHP_OS_FAMILY) {
            'Darwin' => ['libwxface.dylib', ['libwxface.dylib']],
            'Windows' => ['wxface.dll', ['wxface.dll']],
            default => ['libwxface.so', ['libwxface.so.1', 'libwxface.so']],
        };
        $candidates[] = ['bundled copy', dirname(__DIR__) . '/lib/' . $bundled];
        foreach ($system as $name) {
            $candidates[] = ['system loader', $name];
        }

        return $candidates;
    }

    /**
     * False (and a note in $tried) for a path that does not exist; bare names go to the
     * system loader.
     *
     * @param list<string> $tried
     */
    private static function plausible(string $library, string $where, array &$tried): bool
    {
        if (!str_contains($library, '/') && !str_contains($library, '\\')) {
            return true;
        }
        if (is_file($library)) {
            return true;
        }
        $tried[] = "{$where}: {$library} (no such file)";

        return false;
    }

    private static function header(): string
    {
        $path = dirname(__DIR__) . '/wxface.ffi.h';
        $header = @file_get_contents($path);
        if ($header === false) {
            throw LibraryException::because("cannot read {$path}: the wxface PHP package is incomplete; reinstall it");
        }

        return $header;
    }

    private static function requireExtension(): void
    {
        if (extension_loaded('ffi') && class_exists(FFI::class, false)) {
            return;
        }
        throw LibraryException::because(sprintf(
            'the PHP FFI extension is not loaded (PHP %s, SAPI %s, php.ini %s): '
            . 'enable it with "extension=ffi" in php.ini '
            . '(Debian/Ubuntu ship it in php%d.%d-common: apt-get install php%d.%d-common && phpenmod ffi; '
            . 'other builds need --with-ffi); `php -m | grep FFI` shows whether it is loaded',
            PHP_VERSION,
            PHP_SAPI,
            php_ini_loaded_file() ?: '(none)',
            PHP_MAJOR_VERSION,
            PHP_MINOR_VERSION,
            PHP_MAJOR_VERSION,
            PHP_MINOR_VERSION,
        ));
    }

    /** FFI says "FFI API is restricted by "ffi.enable" configuration directive". */
    private static function rethrowIfRestricted(\FFI\Exception $e): void
    {
        if (!str_contains($e->getMessage(), 'ffi.enable')) {
            return;
        }
        $setting = (string) ini_get('ffi.enable');
        $ini = php_ini_loaded_file() ?: '(no php.ini loaded)';
        if (strtolower($setting) === 'preload') {
            $preload = (string) ini_get('opcache.preload');
            $why = $preload === ''
                ? 'opcache.preload is not set'
                : "opcache.preload={$preload} did not call \\Wxface\\Library::preload() "
                    . "(or it failed: see the server's start-up log)";
            $message = 'FFI::cdef is not allowed here: ffi.enable=preload permits FFI only in the CLI '
                . 'and in code preloaded by opcache.preload (SAPI ' . PHP_SAPI . ", php.ini {$ini}), and {$why}. "
                . 'Either preload the library with "opcache.preload=/path/to/wxface/preload.php" '
                . '(and "opcache.preload_user=<the FPM user>" when PHP-FPM starts as root; then restart PHP-FPM), '
                . 'or allow FFI everywhere with "ffi.enable=1"';
        } else {
            $message = "FFI is disabled by ffi.enable={$setting} (SAPI " . PHP_SAPI . ", php.ini {$ini}): "
                . 'set "ffi.enable=1", '
                . 'or "ffi.enable=preload" together with "opcache.preload=/path/to/wxface/preload.php"';
        }
        throw new LibraryException($message, Status::OK, previous: $e);
    }

    private static function reason(\FFI\Exception $e): string
    {
        $message = $e->getMessage();
        if (str_starts_with($message, 'Failed resolving C function')) {
            return "not a wxface ABI " . self::ABI_VERSION . ' library: ' . $message;
        }
        if (str_starts_with($message, 'Failed loading')) {
            return 'dlopen failed: not found on the loader path, or not a loadable library for this machine';
        }

        return $message;
    }

    /** @param list<string> $tried */
    private static function notFound(array $tried): LibraryException
    {
        return LibraryException::because(
            "cannot load the wxface shared library; tried:\n  - " . implode("\n  - ", $tried)
            . "\nFix: set " . self::ENV . '=/full/path/to/libwxface.so '
            . '(built by `cargo build --release` in target/release/), '
            . 'copy the library to ' . dirname(__DIR__) . '/lib/, or install it where the system loader finds it '
            . '(`make install`, then run ldconfig)',
        );
    }
}
