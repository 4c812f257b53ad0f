<?php

declare(strict_types=1);

namespace Wxface;

use FFI\CData;

/**
 * A notification WeChat Pay POSTed to your notify URL, once its signature, clock and
 * encryption checked out. De-duplicate on getId(): the same notification may arrive twice.
 */
final class Notification
{
    /** @var array<mixed> */
    private readonly array $resource;

    public function __construct(
        private readonly string $id,
        private readonly string $eventType,
        private readonly string $createTime,
        private readonly string $summary,
        private readonly string $resourceText,
    ) {
        $decoded = json_decode($resourceText, true, 512, JSON_BIGINT_AS_STRING);
        $this->resource = is_array($decoded) ? $decoded : [];
    }

    /**
     * Copies a native notification and frees it.
     *
     * @internal
     */
    public static function take(Native $native, CData $notification): self
    {
        try {
            return new self(
                Library::string($native->notificationId($notification)),
                Library::string($native->notificationEventType($notification)),
                Library::string($native->notificationCreateTime($notification)),
                Library::string($native->notificationSummary($notification)),
                Library::string($native->notificationResource($notification)),
            );
        } finally {
            $native->notificationFree($notification);
        }
    }

    public function getId(): string
    {
        return $this->id;
    }

    /** e.g. FACEPAY.USER_STATE_CHANGE (any event type is accepted). */
    public function getEventType(): string
    {
        return $this->eventType;
    }

    /** RFC 3339 text, as sent. */
    public function getCreateTime(): string
    {
        return $this->createTime;
    }

    /** The summary, or "". */
    public function getSummary(): string
    {
        return $this->summary;
    }

    /** @return array<mixed> the decrypted resource ([] when it is not a JSON object) */
    public function getResource(): array
    {
        return $this->resource;
    }

    /** The decrypted resource as text (JSON for every documented event). */
    public function getResourceText(): string
    {
        return $this->resourceText;
    }
}
