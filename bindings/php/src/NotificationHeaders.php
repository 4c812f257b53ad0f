<?php

declare(strict_types=1);

namespace Wxface;

use Wxface\Exception\InvalidArgumentException;
use Wxface\Exception\WxfaceException;

/**
 * The four signature headers wxface_notification_parse takes, found in a header array of any
 * shape: names in any case, `$_SERVER`-style HTTP_WECHATPAY_TIMESTAMP keys, and PSR-7
 * getHeaders()-style lists of values.
 *
 * @internal
 */
final class NotificationHeaders
{
    /** In the order wxface_notification_parse takes them. */
    private const NAMES = ['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-signature', 'wechatpay-serial'];

    /**
     * @param array<mixed> $headers
     *
     * @return list<string> the four values; "" for a missing one (the library then names it)
     *
     * @throws InvalidArgumentException a header is given twice, holds several values or a NUL byte
     */
    public static function from(array $headers): array
    {
        $found = [];
        foreach ($headers as $name => $value) {
            if (!is_string($name)) {
                continue;
            }
            $key = self::key($name);
            if (!in_array($key, self::NAMES, true)) {
                continue;
            }
            if (array_key_exists($key, $found)) {
                throw self::invalid("header {$name} is given twice");
            }
            $found[$key] = self::value($name, $value);
        }

        return array_map(static fn (string $key): string => $found[$key] ?? '', self::NAMES);
    }

    /**
     * The headers of the current request: getallheaders() where the SAPI has it, else $_SERVER,
     * whose HTTP_… entries from() understands (php-cgi and FPM behind some servers).
     *
     * @return array<mixed>
     */
    public static function ofCurrentRequest(): array
    {
        $headers = function_exists('getallheaders') ? getallheaders() : [];

        return $headers !== [] ? $headers : $_SERVER;
    }

    /** "Wechatpay-Timestamp", "wechatpay-timestamp" and "HTTP_WECHATPAY_TIMESTAMP" all become "wechatpay-timestamp". */
    private static function key(string $name): string
    {
        $key = str_replace('_', '-', strtolower($name));

        return str_starts_with($key, 'http-') ? substr($key, 5) : $key;
    }

    private static function value(string $name, mixed $value): string
    {
        if (is_array($value)) {
            if (count($value) !== 1) {
                throw self::invalid(
                    'header ' . $name . ' has ' . count($value) . ' values; a notification has exactly one',
                );
            }
            $value = reset($value);
        }
        if (!is_string($value)) {
            throw self::invalid("header {$name} must be a string");
        }
        if (str_contains($value, "\0")) {
            throw self::invalid("header {$name} contains a NUL byte");
        }

        return $value;
    }

    private static function invalid(string $message): WxfaceException
    {
        return WxfaceException::forStatus(Status::INVALID_ARGUMENT, $message);
    }
}
