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
     * The organization (school) named by exactly one of the two (named arguments):
     * organization_id, organization_name.
     *
     *     $client->queryOrganization(organizationName: '南山中兴小学部');
     */
    public function queryOrganization(?string $organizationId = null, ?string $organizationName = null): Response
    {
        return $this->call(
            'queryOrganization',
            self::optionalText($organizationId, 'organization id'),
            self::optionalText($organizationName, 'organization name'),
        );
    }

    /** A token (valid 5 minutes) that opens the face-pay mini program for the user: token. */
    public function createAuthToken(string $organizationId, string $outUserId, string $scene = 'WEBSESSION'): Response
    {
        return $this->call(
            'createAuthToken',
            self::text($organizationId, 'organization id'),
            self::text($outUserId, 'out user id'),
            self::text($scene, 'scene'),
        );
    }

    /** The face user $outUserId (the school's own id for the pupil): use_id, contract_state, ... */
    public function queryUser(string $organizationId, string $outUserId): Response
    {
        return $this->call(
            'queryUser',
            self::text($organizationId, 'organization id'),
            self::text($outUserId, 'out user id'),
        );
    }

    /**
     * Changes the user: any of user_name, user_type, student_info.class_name,
     * staff_info.occupation, status, phone (at least one). user_name and phone in plain text:
     * the library encrypts them. Answers 204.
     *
     * @param array<string, mixed> $changes
     */
    public function updateUser(string $organizationId, string $outUserId, array $changes): Response
    {
        return $this->call(
            'updateUser',
            self::text($organizationId, 'organization id'),
            self::text($outUserId, 'out user id'),
            self::jsonArgument($changes, 'changes'),
        );
    }

    /**
     * Terminates the face-pay contract of $userId (the WeChat face user id) in $organizationId
     * and returns the 204 response (keep its Request-ID). Callers that ignore it are unaffected.
     *
     * @throws InvalidArgumentException an id is empty, too long, holds a NUL byte or a character
     *                                  wxface refuses (/ ? # % \ space, "." or ".."); nothing was sent
     * @throws Exception\ApiException   WeChat Pay refused (getHttpStatus(), getApiCode(), getDetail())
     * @throws WxfaceException          a subclass for every other failure (network, timeout, ...)
     */
    public function terminateContract(string $organizationId, string $userId): Response
    {
        return $this->call(
            'terminateContractWithResponse',
            self::text($organizationId, 'organization id'),
            self::text($userId, 'user id'),
        );
    }

    /**
     * The face-pay device's authinfo (refresh it at least hourly): authinfo.
     *
     * @param array<string, mixed> $request sp_appid, sub_mchid, device_id, raw_data, organization_id
     */
    public function getAuthinfo(array $request): Response
    {
        return $this->call('getAuthinfo', self::jsonArgument($request, 'request'));
    }

    /**
     * Pre-signs a contract: presign_token. The six sensitive fields (identification numbers,
     * phones, bank card number and name) in plain text: the library encrypts them.
     *
     * @param array<string, mixed> $request
     */
    public function presignContract(array $request): Response
    {
        return $this->call('presignContract', self::jsonArgument($request, 'request'));
    }

    /** The contract and its state (contract_state, contract_terminated_time, ...). */
    public function queryContract(string $contractId, ?string $appid = null): Response
    {
        return $this->call(
            'queryContract',
            self::text($contractId, 'contract id'),
            self::optionalText($appid, 'appid'),
        );
    }

    /** The organization's face re-collection requests from $offset: face_collections. */
    public function listFaceCollections(string $organizationId, int $offset = 0, ?int $limit = null): Response
    {
        return $this->call(
            'listFaceCollections',
            self::text($organizationId, 'organization id'),
            self::u32($offset, 'offset'),
            $limit === null ? 0 : self::u32($limit, 'limit'),
        );
    }

    /** One face re-collection request. */
    public function queryFaceCollection(string $collectionId): Response
    {
        return $this->call('queryFaceCollection', self::text($collectionId, 'collection id'));
    }

    /**
     * Applies for a deduction (amount.total in fen). Money moves: the library never sends it
     * twice. After an exception whose isRequestSent() is true, call queryDeduction() before
     * trying again.
     *
     * @param array<string, mixed> $request
     */
    public function applyDeduction(array $request): Response
    {
        return $this->call('applyDeduction', self::jsonArgument($request, 'request'));
    }

    /** The deduction $outTradeNo as applied for (trade_state, debt_state, ...). */
    public function queryDeduction(
        string $outTradeNo,
        string $spMchid,
        string $subMchid,
        string $businessProductId,
    ): Response {
        return $this->call(
            'queryDeduction',
            self::text($outTradeNo, 'out trade no'),
            self::text($spMchid, 'sp mchid'),
            self::text($subMchid, 'sub mchid'),
            self::text($businessProductId, 'business product id'),
        );
    }

    /** The link where a user who owes money pays it (repayment_url, expire_at). */
    public function getRepaymentUrl(string $organizationId, string $outUserId): Response
    {
        return $this->call(
            'getRepaymentUrl',
            self::text($organizationId, 'organization id'),
            self::text($outUserId, 'out user id'),
        );
    }

    /**
     * The generic signed call, for any other APIv3 endpoint. $target is the path and query as
     * they go on the wire, already percent-encoded, starting with /v3/; $body the JSON body (null
     * for none); $encrypt JSON pointers ("/phone") to strings of the body that the library sends
     * encrypted under the WeChat Pay key. Any 2xx response is verified.
     *
     * @param array<mixed>|null $body
     * @param list<string>      $encrypt
     */
    public function request(string $method, string $target, ?array $body = null, array $encrypt = []): Response
    {
        foreach ($encrypt as $pointer) {
            if (!is_string($pointer)) {
                throw WxfaceException::forStatus(Status::INVALID_ARGUMENT, 'encrypt must list JSON pointer strings');
            }
        }

        return $this->call(
            'request',
            self::text($method, 'method'),
            self::text($target, 'target'),
            $body === null ? null : self::jsonArgument($body, 'body'),
            $encrypt === [] ? null : self::jsonArgument(array_values($encrypt), 'encrypt'),
        );
    }

    /**
     * Verifies and decrypts a notification WeChat Pay POSTed to your notify URL. $headers: the
     * request's headers in any shape (names in any case, $_SERVER-style HTTP_… keys, PSR-7
     * getHeaders() lists); $body: the raw body exactly as received. Any event type is accepted.
     * Reply 204 when this returns; 4xx with {"code":"FAIL","message":…} when it throws, and
     * WeChat Pay sends it again.
     *
     * @param array<mixed> $headers
     *
     * @throws Exception\SignatureException a header is missing, the signature does not verify, the
     *         serial names no usable key, the timestamp is over 300 s off, or the resource does not
     *         decrypt with the APIv3 key (the message says which)
     * @throws Exception\ResponseException  the body is not the documented envelope, or over 1 MiB
     * @throws ConfigException              the client has no APIv3 key
     */
    public function parseNotification(array $headers, string $body): Notification
    {
        [$timestamp, $nonce, $signature, $serial] = NotificationHeaders::from($headers);
        $length = strlen($body);
        // The body is `const uint8_t *`: FFI passes PHP strings only as `char *`, so copy it.
        $bytes = $this->native->new('uint8_t[' . max(1, $length) . ']');
        FFI::memcpy($bytes, $body, $length);
        $notification = $this->native->new('wxface_notification*');
        $err = $this->native->new('wxface_error*');
        $status = $this->native->notificationParse(
            $this->handle,
            $timestamp,
            $nonce,
            $signature,
            $serial,
            $bytes,
            $length,
            FFI::addr($notification),
            FFI::addr($err),
        );
        if ($status !== Status::OK) {
            throw NativeError::take($this->native, $status, $err);
        }

        return Notification::take($this->native, $notification);
    }

    /**
     * parseNotification() with the current request's headers (getallheaders(), else $_SERVER)
     * and body (php://input): the one call a notify.php needs.
     */
    public function parseNotificationFromGlobals(): Notification
    {
        $body = file_get_contents('php://input');

        return $this->parseNotification(NotificationHeaders::ofCurrentRequest(), $body === false ? '' : $body);
    }

    /**
     * Downloads WeChat Pay's platform certificates now and swaps them in at once (other threads
     * see the old set or the new one). Returns how many downloaded certificates are held and
     * inside their validity period. Needs the APIv3 key.
     *
     * @throws Exception\SignatureException the download does not decrypt with the APIv3 key or does
     *         not verify (the old set stays)
     * @throws Exception\ApiException       WeChat Pay refused (merchants with only a public key may get 403/404)
     */
    public function refreshPlatformCertificates(): int
    {
        $count = $this->native->new('uint32_t');
        $err = $this->native->new('wxface_error*');
        $status = $this->native->clientRefreshPlatformCertificates($this->handle, FFI::addr($count), FFI::addr($err));
        if ($status !== Status::OK) {
            throw NativeError::take($this->native, $status, $err);
        }

        return $count->cdata;
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
     * Runs the C operation $method (a Native method) on this client, with $arguments between
     * the client and the response and error cells, and returns its response.
     */
    private function call(string $method, mixed ...$arguments): Response
    {
        $response = $this->native->new('wxface_response*');
        $err = $this->native->new('wxface_error*');
        $status = $this->native->{$method}($this->handle, ...$arguments, ...[FFI::addr($response), FFI::addr($err)]);
        if ($status !== Status::OK) {
            throw NativeError::take($this->native, $status, $err);
        }

        return Response::take($this->native, $response);
    }

    /** An array as the JSON text of a *_json argument ([] is an empty object). */
    private static function jsonArgument(array $value, string $what): string
    {
        try {
            $json = $value === []
                ? '{}'
                : json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw WxfaceException::forStatus(
                Status::INVALID_ARGUMENT,
                "{$what} cannot be written as JSON: " . $e->getMessage(),
            );
        }

        return self::text($json, $what);
    }

    /** An int for a uint32_t argument. */
    private static function u32(int $value, string $what): int
    {
        if ($value < 0 || $value > 0xFFFFFFFF) {
            throw WxfaceException::forStatus(Status::INVALID_ARGUMENT, "{$what} must be 0 to 4294967295");
        }

        return $value;
    }

    /** As text(), for an argument that may be null (a NULL pointer). */
    private static function optionalText(?string $value, string $what): ?string
    {
        return $value === null ? null : self::text($value, $what);
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
