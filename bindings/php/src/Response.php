<?php

declare(strict_types=1);

namespace Wxface;

use FFI\CData;

/**
 * What WeChat Pay answered to a successful call, after its signature verified: a read-only
 * array view of its JSON body (empty for a 204), its HTTP status, Request-ID and raw body.
 *
 *     $r = $client->queryUser($organizationId, $outUserId);
 *     $r['contract_state']; $r->getRequestId(); $r->toArray();
 *
 * @implements \ArrayAccess<string, mixed>
 * @implements \IteratorAggregate<string, mixed>
 */
final class Response implements \ArrayAccess, \Countable, \IteratorAggregate, \JsonSerializable
{
    /** @var array<mixed> */
    private readonly array $fields;

    public function __construct(
        private readonly int $httpStatus,
        private readonly string $requestId,
        private readonly string $body,
    ) {
        $decoded = $body === '' ? [] : json_decode($body, true, 512, JSON_BIGINT_AS_STRING);
        $this->fields = is_array($decoded) ? $decoded : [];
    }

    /**
     * Copies a native response and frees it.
     *
     * @internal
     */
    public static function take(Native $native, CData $response): self
    {
        try {
            return new self(
                $native->responseHttpStatus($response),
                Library::string($native->responseRequestId($response)),
                Library::string($native->responseBody($response)),
            );
        } finally {
            $native->responseFree($response);
        }
    }

    /** 200, 204, ... */
    public function getHttpStatus(): int
    {
        return $this->httpStatus;
    }

    /** The Request-ID header (keep it for the audit log), or "". */
    public function getRequestId(): string
    {
        return $this->requestId;
    }

    /** The body as received (JSON text; "" for a 204). */
    public function getBody(): string
    {
        return $this->body;
    }

    /** @return array<mixed> the body as an array ([] for a 204) */
    public function toArray(): array
    {
        return $this->fields;
    }

    public function offsetExists(mixed $offset): bool
    {
        return array_key_exists($offset, $this->fields);
    }

    public function offsetGet(mixed $offset): mixed
    {
        return $this->fields[$offset] ?? null;
    }

    public function offsetSet(mixed $offset, mixed $value): never
    {
        throw new \LogicException('a Wxface\Response is read-only');
    }

    public function offsetUnset(mixed $offset): never
    {
        throw new \LogicException('a Wxface\Response is read-only');
    }

    public function count(): int
    {
        return count($this->fields);
    }

    /** @return \ArrayIterator<string, mixed> */
    public function getIterator(): \ArrayIterator
    {
        return new \ArrayIterator($this->fields);
    }

    /** @return array<mixed> */
    public function jsonSerialize(): array
    {
        return $this->fields;
    }
}
