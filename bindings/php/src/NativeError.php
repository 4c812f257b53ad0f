<?php

declare(strict_types=1);

namespace Wxface;

use FFI;
use FFI\CData;
use Wxface\Exception\WxfaceException;

/**
 * Turns a failed call's wxface_error into the exception of its status, and frees it.
 *
 * @internal
 */
final class NativeError
{
    private function __construct()
    {
    }

    /** @param CData $cell the wxface_error* the failed call filled in (freed here) */
    public static function take(FFI $ffi, int $status, CData $cell): WxfaceException
    {
        if (FFI::isNull($cell)) {
            // Only a caller bug leaves *err unset; the status still says what failed.
            return WxfaceException::forStatus($status, Library::string($ffi->wxface_status_str($status)));
        }
        try {
            $detailJson = Library::string($ffi->wxface_error_detail_json($cell));

            return WxfaceException::forStatus(
                $ffi->wxface_error_status($cell),
                Library::string($ffi->wxface_error_message($cell)),
                $ffi->wxface_error_http_status($cell),
                Library::string($ffi->wxface_error_api_code($cell)),
                Library::string($ffi->wxface_error_request_id($cell)),
                self::decode($detailJson),
                $detailJson,
                $ffi->wxface_error_request_sent($cell) === 1,
            );
        } finally {
            $ffi->wxface_error_free($cell);
        }
    }

    /** @return array<mixed>|null */
    private static function decode(string $json): ?array
    {
        if ($json === '') {
            return null;
        }
        $detail = json_decode($json, true);

        // A detail that is not a JSON object or array stays readable through getDetailJson().
        return is_array($detail) ? $detail : null;
    }
}
