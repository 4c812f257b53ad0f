<?php

declare(strict_types=1);

namespace Wxface\Exception;

use Wxface\Status;

/**
 * A failed wxface call. getStatus() (also getCode()) is the C API's wxface_status; the
 * subclass says the same thing as a type. For a response from WeChat Pay (ApiException) the
 * HTTP status, the response's code, its Request-ID and its decoded "detail" are filled in;
 * otherwise they are 0, "", "" and null. isRequestSent() says whether a retry is safe.
 */
class WxfaceException extends \RuntimeException
{
    /** @var array<int, class-string<WxfaceException>> */
    private const CLASS_OF_STATUS = [
        Status::INVALID_ARGUMENT => InvalidArgumentException::class,
        Status::CONFIG => ConfigException::class,
        Status::NETWORK => NetworkException::class,
        Status::TIMEOUT => TimeoutException::class,
        Status::TLS => TlsException::class,
        Status::API => ApiException::class,
        Status::SIGNATURE => SignatureException::class,
        Status::RESPONSE => ResponseException::class,
        Status::INTERNAL => InternalException::class,
    ];

    /**
     * @param array<mixed>|null $detail the response's "detail" member, decoded
     */
    final public function __construct(
        string $message,
        private readonly int $status,
        private readonly int $httpStatus = 0,
        private readonly string $apiCode = '',
        private readonly string $requestId = '',
        private readonly ?array $detail = null,
        private readonly string $detailJson = '',
        private readonly bool $requestSent = false,
        ?\Throwable $previous = null,
    ) {
        parent::__construct($message, $status, $previous);
    }

    /**
     * The exception of the class that matches $status (WxfaceException itself for an
     * unknown status).
     *
     * @param array<mixed>|null $detail
     */
    public static function forStatus(
        int $status,
        string $message,
        int $httpStatus = 0,
        string $apiCode = '',
        string $requestId = '',
        ?array $detail = null,
        string $detailJson = '',
        bool $requestSent = false,
    ): self {
        $class = self::CLASS_OF_STATUS[$status] ?? self::class;

        return new $class($message, $status, $httpStatus, $apiCode, $requestId, $detail, $detailJson, $requestSent);
    }

    /** The wxface_status of the failed call (Wxface\Status::*). */
    public function getStatus(): int
    {
        return $this->status;
    }

    /** The HTTP status of WeChat Pay's response; 0 when no response arrived. */
    public function getHttpStatus(): int
    {
        return $this->httpStatus;
    }

    /** The response's "code", e.g. "PARAM_ERROR"; "" when absent. */
    public function getApiCode(): string
    {
        return $this->apiCode;
    }

    /** The response's Request-ID header (quote it to WeChat Pay support); "" when absent. */
    public function getRequestId(): string
    {
        return $this->requestId;
    }

    /**
     * The response's "detail" member decoded into an array (for a 401 SIGN_ERROR it holds
     * sign_information.truncated_sign_message), or null when absent.
     *
     * @return array<mixed>|null
     */
    public function getDetail(): ?array
    {
        return $this->detail;
    }

    /**
     * True when at least one byte of the request was written, so WeChat Pay may have received
     * and carried it out (always for ApiException, SignatureException and ResponseException;
     * for NetworkException and TimeoutException the outcome is then unknown: query before
     * repeating a deduction). False when nothing was written: repeating the call is safe.
     */
    public function isRequestSent(): bool
    {
        return $this->requestSent;
    }

    /** The response's "detail" member as the JSON text the library returned; "" when absent. */
    public function getDetailJson(): string
    {
        return $this->detailJson;
    }
}
