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
    private FFI $ffi;
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
        $this->ffi = Library::ffi();
        $client = $this->ffi->new('wxface_client*');
        $err = $this->ffi->new('wxface_error*');
        $status = $this->ffi->wxface_client_new_from_json($json, FFI::addr($client), FFI::addr($err));
        if ($status !== Status::OK) {
            throw NativeError::take($this->ffi, $status, $err);
        }
        $this->handle = $client;
    }

    /**
     * A client from a JSON configuration file.
     *
     * @throws ConfigException the file cannot be read, or its configuration is wrong
     */
    public static function fromFile(string $path): self
    {
        self::text($path, 'the configuration file path');
        error_clear_last();
        $json = is_dir($path) ? false : @file_get_contents($path);
        if ($json === false) {
            $reason = is_dir($path) ? 'it is a directory' : (error_get_last()['message'] ?? 'not a readable file');
            throw WxfaceException::forStatus(Status::CONFIG, "cannot read the configuration file {$path}: {$reason}");
        }

        return new self($json);
    }

    /**
     * Terminates the face-pay contract of $userId in $organizationId. Returns once WeChat Pay
     * answered 204 and the answer's signature verified.
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
        $err = $this->ffi->new('wxface_error*');
        $status = $this->ffi->wxface_terminate_contract($this->handle, $organizationId, $userId, FFI::addr($err));
        if ($status !== Status::OK) {
            throw NativeError::take($this->ffi, $status, $err);
        }
    }

    public function __destruct()
    {
        if ($this->handle !== null) {
            $this->ffi->wxface_client_free($this->handle);
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

    /** @param array<mixed> $config */
    private static function encode(array $config): string
    {
        self::rejectNul($config, '');
        try {
            // (object): an empty array is still a JSON object, so the library reports the missing keys.
            return json_encode((object) $config, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw WxfaceException::forStatus(Status::INVALID_ARGUMENT, 'the configuration cannot be written as JSON: ' . $e->getMessage());
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
