<?php

declare(strict_types=1);

namespace Wxface;

use FFI;
use FFI\CData;
use Wxface\Exception\ConfigException;
use Wxface\Exception\InvalidArgumentException;
use Wxface\Exception\WxfaceException;

/**
 * A WeChat Pay client (wxface_client). Immutable once made; the native client is freed when
 * the object is destroyed. Configuration keys are those of the C API's JSON config (README).
 *
 *     $client = new \Wxface\Client(['mchid' => '1900000001', ...]);
 *     $client->terminateContract('DBES323aeb', 'U0000000001');
 */
final class Client
{
    private Native $native;
    private ?CData $handle = null;

    /**
     * @param array<string, mixed>|string $config the configuration as an array or as JSON text
     *
     * @throws InvalidArgumentException a string holds a NUL byte or invalid UTF-8 (nothing is passed on)
     * @throws ConfigException          the configuration is incomplete or wrong (the message names the key)
     * @throws Exception\LibraryException the library cannot be loaded
     */
    public function __construct(array|string $config)
    {
        $json = is_array($config) ? self::encode($config) : self::text($config, 'the JSON configuration');
        $native = Library::native();
        $this->native = $native;
        $this->handle = self::make($native, fn (CData $client, CData $err) => $native->clientNewFromJson(
            $json,
            FFI::addr($client),
            FFI::addr($err),
        ));
    }

    /**
     * A client from a JSON configuration file. The library reads it: UTF-8 (a leading BOM is
     * skipped), at most 1 MiB, and relative *_file paths in it are relative to the file's folder.
     *
     * @throws ConfigException the file cannot be read, or its configuration is wrong
     */
    public static function fromFile(string $path): self
    {
        self::text($path, 'the configuration file path');
        $native = Library::native();

        $handle = self::make($native, fn (CData $client, CData $err) => $native->clientNewFromJsonFile(
            $path,
            FFI::addr($client),
            FFI::addr($err),
        ));

        return self::adopt($native, $handle);
    }

    /**
     * A Client around a native client that another C constructor made: PHP has one constructor,
     * and the public one takes a configuration.
     */
    private static function adopt(Native $native, CData $handle): self
    {
        $client = (new \ReflectionClass(self::class))->newInstanceWithoutConstructor();
        $client->native = $native;
        $client->handle = $handle;

        return $client;
    }

    /**
     * Terminates the face-pay contract of $userId in $organizationId. Returns once WeChat Pay
     * answered 204 and the response's signature verified.
     *
     * @throws InvalidArgumentException an id is empty, too long, holds a NUL byte or a character
     *                                  wxface refuses (/ ? # % \ space, "." or ".."); nothing was sent
     * @throws Exception\ApiException   WeChat Pay refused (getHttpStatus(), getApiCode(), getRequestId(), getDetail())
     * @throws WxfaceException          a subclass for every other failure (network, timeout, TLS, signature, ...)
     */
    public function terminateContract(string $organizationId, string $userId): void
    {
        self::text($organizationId, 'organization id');
        self::text($userId, 'user id');
        $err = $this->native->new('wxface_error*');
        $status = $this->native->terminateContract($this->handle, $organizationId, $userId, FFI::addr($err));
        if ($status !== Status::OK) {
            throw NativeError::take($this->native, $status, $err);
        }
    }

    public function __destruct()
    {
        if ($this->handle !== null) {
            $this->native->clientFree($this->handle);
            $this->handle = null;
        }
    }

    /** A clone would free the same native client twice. */
    public function __clone()
    {
        $this->handle = null; // the half-made copy is destroyed: it must not free the original's client
        throw new \LogicException('a Wxface\Client cannot be cloned; share the one object instead');
    }

    public function __serialize(): array
    {
        throw new \LogicException('a Wxface\Client cannot be serialized; make it again from its configuration');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a Wxface\Client cannot be unserialized; make it again from its configuration');
    }

    /**
     * Runs a client constructor of the C API and returns the client it made.
     *
     * @param callable(CData, CData): int $construct fills the client and error cells it is given
     */
    private static function make(Native $native, callable $construct): CData
    {
        $client = $native->new('wxface_client*');
        $err = $native->new('wxface_error*');
        $status = $construct($client, $err);
        if ($status !== Status::OK) {
            throw NativeError::take($native, $status, $err);
        }

        return $client;
    }

    /** @param array<mixed> $config */
    private static function encode(array $config): string
    {
        self::rejectNul($config, '');
        try {
            // (object): an empty array is still a JSON object, so the library reports the missing keys.
            return json_encode(
                (object) $config,
                JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR,
            );
        } catch (\JsonException $e) {
            throw WxfaceException::forStatus(
                Status::INVALID_ARGUMENT,
                'the configuration cannot be written as JSON: ' . $e->getMessage(),
            );
        }
    }

    /** @param array<mixed> $values */
    private static function rejectNul(array $values, string $at): void
    {
        foreach ($values as $key => $value) {
            $name = $at === '' ? (string) $key : "{$at}.{$key}";
            if (str_contains((string) $key, "\0")) {
                throw WxfaceException::forStatus(Status::INVALID_ARGUMENT, 'a configuration key contains a NUL byte');
            }
            if (is_string($value)) {
                self::text($value, "configuration value {$name}");
            } elseif (is_array($value)) {
                self::rejectNul($value, $name);
            }
        }
    }

    /** $value unchanged, or InvalidArgumentException if C would see it cut short at a NUL byte. */
    private static function text(string $value, string $what): string
    {
        $at = strpos($value, "\0");
        if ($at !== false) {
            throw WxfaceException::forStatus(Status::INVALID_ARGUMENT, "{$what} contains a NUL byte at offset {$at}");
        }

        return $value;
    }
}
