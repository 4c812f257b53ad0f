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

    /** @param CData $cell the error the failed call filled in (freed here) */
    public static function take(Native $native, int $status, CData $cell): WxfaceException
    {
        if (FFI::isNull($cell)) {
            // Only a caller bug leaves *err unset; the status still says what failed.
            return WxfaceException::forStatus($status, Library::string($native->statusStr($status)));
        }
        try {
            $detailJson = Library::string($native->errorDetailJson($cell));

            return WxfaceException::forStatus(
                $native->errorStatus($cell),
                Library::string($native->errorMessage($cell)),
                $native->errorHttpStatus($cell),
                Library::string($native->errorApiCode($cell)),
                Library::string($native->errorRequestId($cell)),
                self::decode($detailJson),
                $detailJson,
                $native->errorRequestSent($cell) === 1,
            );
        } finally {
            $native->errorFree($cell);
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
