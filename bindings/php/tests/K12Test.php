<?php

declare(strict_types=1);

namespace Wxface\Tests;

use PHPUnit\Framework\TestCase;
use Wxface\Client;
use Wxface\Exception\ApiException;
use Wxface\Exception\InvalidArgumentException;
use Wxface\Exception\NetworkException;
use Wxface\Exception\ResponseException;
use Wxface\Exception\SignatureException;
use Wxface\Exception\WxfaceException;
use Wxface\Response;
use Wxface\Status;
use Wxface\Tests\Support\Sim;

/**
 * The K12 operations of bindings.md's 0.2 additions against wxface-sim: Response (read-only
 * ArrayAccess, Countable, IteratorAggregate, JsonSerializable, its getters), each operation's
 * answer and what the sim received (it opens the encrypted fields), invalid arguments that send
 * nothing, API errors and isRequestSent(), request(), and a deduction never sent twice.
 */
final class K12Test extends TestCase
{
    private static Sim $sim;
    private static Client $client;
    /** The next contracted user number no test has used (this class has its own sim). */
    private static int $next = 40001;

    public static function setUpBeforeClass(): void
    {
        self::$sim = Sim::start();
        self::$client = new Client(self::$sim->config());
    }

    public static function tearDownAfterClass(): void
    {
        self::$sim->stop();
    }

    protected function tearDown(): void
    {
        self::$sim->clearFaults();
    }

    // --- Response -------------------------------------------------------------------------------

    public function testAResponseIsAReadOnlyArrayOfTheBody(): void
    {
        $n = self::fresh();
        $r = self::$client->queryUser(Sim::org(), Sim::outUser($n));
        $body = json_decode($r->getBody(), true, 512, JSON_THROW_ON_ERROR);
        self::assertInstanceOf(Response::class, $r);
        self::assertSame(200, $r->getHttpStatus());
        self::assertNotSame('', $r->getRequestId());
        self::assertSame($body, $r->toArray());
        self::assertSame(Sim::user($n), $r['use_id']);
        self::assertSame($body['student_info'], $r['student_info']);
        self::assertTrue(isset($r['contract_id']));
        self::assertFalse(isset($r['no_such_field']));
        self::assertNull($r['no_such_field']);
        self::assertCount(count($body), $r);
        self::assertSame($body, iterator_to_array($r), 'iteration gives the fields in order');
        self::assertSame($body, json_decode(json_encode($r, JSON_THROW_ON_ERROR), true));

        $changes = [
            fn () => $r['use_id'] = 'U1',
            function () use ($r): void {
                unset($r['use_id']);
            },
        ];
        foreach ($changes as $change) {
            try {
                $change();
                self::fail('a Response was changed');
            } catch (\LogicException $e) {
                self::assertSame('a Wxface\Response is read-only', $e->getMessage());
            }
        }
        self::assertSame(Sim::user($n), $r['use_id']);
    }

    public function testA204ResponseIsEmpty(): void
    {
        $r = self::$client->terminateContract(Sim::org(), Sim::user(self::fresh()));
        self::assertSame([204, '', [], 0], [$r->getHttpStatus(), $r->getBody(), $r->toArray(), count($r)]);
        self::assertNotSame('', $r->getRequestId());
        self::assertSame('[]', json_encode($r));
    }

    // --- each operation: the answer, and what the sim received ----------------------------------

    public function testQueryOrganizationByNameOrById(): void
    {
        $name = Sim::id('organization_name');
        $r = self::$client->queryOrganization(organizationName: $name);
        self::assertSame(['organization_id' => Sim::org(), 'organization_name' => $name], $r->toArray());
        $encoded = implode('', array_map(fn (string $byte) => sprintf('%%%02X', ord($byte)), str_split($name)));
        self::assertSame(
            "/v3/offlinefacemch/organizations?organization_name={$encoded}",
            self::$sim->lastRequest()['target'],
        );

        $odd = self::$client->queryOrganization(organizationId: Sim::id('encoded_organization_id'));
        self::assertSame(Sim::id('encoded_organization_id'), $odd['organization_id']);
        self::assertSame(
            '/v3/offlinefacemch/organizations?organization_id=ORG%3A1%2B2%40x',
            self::$sim->lastRequest()['target'],
        );
    }

    public function testCreateAuthToken(): void
    {
        $out = Sim::outUser(self::fresh());
        $r = self::$client->createAuthToken(Sim::org(), $out);
        self::assertIsString($r['token']);
        self::assertNotSame('', $r['token']);
        $arrived = self::$sim->lastRequest();
        self::assertSame(['POST', '/v3/offlinefacemch/tokens'], [$arrived['method'], $arrived['target']]);
        self::assertSame(
            ['scene' => 'WEBSESSION', 'web_init_data' => ['out_user_id' => $out, 'organization_id' => Sim::org()]],
            $arrived['body'],
        );
    }

    public function testQueryUserWithEncodedIds(): void
    {
        $n = self::fresh();
        $r = self::$client->queryUser(Sim::org(), Sim::outUser($n));
        self::assertSame(
            [Sim::user($n), Sim::outUser($n), 'CONTRACTED', Sim::contractId($n), true],
            [$r['use_id'], $r['out_user_id'], $r['contract_state'], $r['contract_id'], $r['face_image_ok']],
        );
        self::assertSame(self::userPath(Sim::org(), Sim::outUser($n)), self::$sim->lastRequest()['target']);

        $odd = self::$client->queryUser(Sim::id('encoded_organization_id'), Sim::id('encoded_out_user_id'));
        self::assertSame(Sim::id('encoded_user_id'), $odd['use_id']);
        self::assertSame(self::userPath('ORG%3A1%2B2%40x', 's~._-9'), self::$sim->lastRequest()['target']);
    }

    public function testUpdateUserSendsNameAndPhoneEncrypted(): void
    {
        $out = Sim::outUser(self::fresh());
        $changes = ['user_name' => '张三', 'phone' => '13800138000', 'student_info' => ['class_name' => '四年级1班']];
        $r = self::$client->updateUser(Sim::org(), $out, $changes);
        self::assertSame([204, ''], [$r->getHttpStatus(), $r->getBody()]);
        // The sim refuses an ENC field it cannot open with its WeChat Pay key; it opened both.
        $arrived = self::$sim->lastRequest();
        self::assertSame(['PATCH', self::userPath(Sim::org(), $out)], [$arrived['method'], $arrived['target']]);
        self::assertSame($changes, $arrived['body']);
        self::assertSame(self::$sim->config()['wechatpay_public_key_id'], $arrived['wechatpay_serial']);
        self::assertSame('张三', self::$client->queryUser(Sim::org(), $out)['user_name']);
    }

    public function testTerminateContract(): void
    {
        $n = self::fresh();
        $r = self::$client->terminateContract(Sim::org(), Sim::user($n));
        self::assertSame(204, $r->getHttpStatus());
        self::assertSame(
            '/v3/offlinefacemch/organizations/' . Sim::org() . '/users/user-id/' . Sim::user($n)
            . '/terminate-contract',
            self::$sim->lastRequest()['target'],
        );
        self::assertSame('TERMINATED', self::$client->queryContract(Sim::contractId($n))['contract_state']);
    }

    public function testGetAuthinfo(): void
    {
        $r = self::$client->getAuthinfo(self::authinfoRequest());
        self::assertIsString($r['authinfo']);
        self::assertSame(self::authinfoRequest(), self::$sim->lastRequest()['body']);
    }

    public function testPresignContractSendsTheSixSensitiveFieldsEncrypted(): void
    {
        $request = self::presignRequest(Sim::outUser(self::fresh()));
        $r = self::$client->presignContract($request);
        self::assertIsString($r['presign_token']);
        $arrived = self::$sim->lastRequest();
        self::assertSame('/v3/offlineface/contracts/presign', $arrived['target']);
        self::assertSame($request, $arrived['body'], 'opened by the sim, the body is the request as given');
    }

    public function testQueryContractWithAndWithoutAppid(): void
    {
        $n = self::fresh();
        $r = self::$client->queryContract(Sim::contractId($n), 'wxsp0000000001');
        self::assertSame(
            [Sim::contractId($n), Sim::user($n), 'CONTRACTED'],
            [$r['contract_id'], $r['use_id'], $r['contract_state']],
        );
        self::assertSame(
            '/v3/offlineface/contracts/' . Sim::contractId($n) . '?appid=wxsp0000000001',
            self::$sim->lastRequest()['target'],
        );
        $ended = self::$client->queryContract(Sim::id('terminated_contract_id'));
        self::assertSame('TERMINATED', $ended['contract_state']);
        self::assertArrayHasKey('contract_terminated_time', $ended->toArray());
    }

    public function testListFaceCollectionsAndQueryEach(): void
    {
        $all = self::$client->listFaceCollections(Sim::org());
        $states = [
            Sim::id('collection_required_id') => 'COLLECTION_REQUIRED',
            Sim::id('photo_uploaded_collection_id') => 'PHOTO_UPLOADED',
            Sim::id('complete_collection_id') => 'COMPLETE',
        ];
        self::assertSame($states, array_column($all['face_collections'], 'collection_state', 'collection_id'));
        self::assertSame(
            '/v3/offlineface/face-collections?organization_id=' . Sim::org() . '&offset=0',
            self::$sim->lastRequest()['target'],
        );
        $page = self::$client->listFaceCollections(Sim::org(), 1, 1);
        self::assertSame(array_slice($all['face_collections'], 1, 1), $page['face_collections']);
        self::assertStringEndsWith('&offset=1&limit=1', self::$sim->lastRequest()['target']);
        foreach ($states as $id => $state) {
            $one = self::$client->queryFaceCollection($id);
            self::assertSame([$id, $state], [$one['collection_id'], $one['collection_state']]);
        }
    }

    public function testApplyDeductionThenQueryIt(): void
    {
        $n = self::fresh();
        $trade = "T:{$n}+1"; // ':' and '+' are percent-encoded in the path
        $applied = self::$client->applyDeduction(self::deductionRequest($n, $trade));
        self::assertSame(
            ['SUCCESS', 'NO_DEBT', $trade],
            [$applied['trade_state'], $applied['debt_state'], $applied['out_trade_no']],
        );
        self::assertSame(['total' => 1250, 'currency' => 'CNY'], $applied['amount']);
        self::assertSame(self::deductionRequest($n, $trade), self::$sim->lastRequest()['body']);
        $found = self::$client->queryDeduction($trade, '1900000001', '1900000109', '2');
        self::assertSame($applied->toArray(), $found->toArray());
        self::assertSame(
            "/v3/offlineface/transactions/out-trade-no/T%3A{$n}%2B1"
            . '?sp_mchid=1900000001&sub_mchid=1900000109&business_product_id=2',
            self::$sim->lastRequest()['target'],
        );
    }

    public function testGetRepaymentUrl(): void
    {
        $r = self::$client->getRepaymentUrl(Sim::org(), Sim::id('debt_out_user_id'));
        self::assertStringStartsWith('https://', $r['repayment_url']);
        self::assertIsString($r['expire_at']);
        self::assertSame(
            ['out_user_id' => Sim::id('debt_out_user_id'), 'organization_id' => Sim::org()],
            self::$sim->lastRequest()['body'],
        );
    }

    // --- request(): the generic signed call -------------------------------------------------

    public function testRequestGetPostAndEncrypt(): void
    {
        $target = '/v3/offlinefacemch/organizations?organization_id=' . Sim::org();
        $got = self::$client->request('GET', $target);
        self::assertSame(Sim::id('organization_name'), $got['organization_name']);
        self::assertSame(['GET', $target], [self::$sim->lastRequest()['method'], self::$sim->lastRequest()['target']]);

        $body = ['out_user_id' => Sim::id('debt_out_user_id'), 'organization_id' => Sim::org()];
        $posted = self::$client->request('POST', '/v3/offlineface/repayment-url', $body);
        self::assertStringStartsWith('https://', $posted['repayment_url']);
        self::assertSame($body, self::$sim->lastRequest()['body']);

        $out = Sim::outUser(self::fresh());
        $changes = ['user_name' => '王小明', 'phone' => '13700137000'];
        $plain = $this->failure(
            ApiException::class,
            fn () => self::$client->request('PATCH', self::userPath(Sim::org(), $out), $changes),
        );
        self::assertSame([400, 'PARAM_ERROR'], [$plain->getHttpStatus(), $plain->getApiCode()]);
        $encrypt = ['/user_name', '/phone'];
        $patched = self::$client->request('PATCH', self::userPath(Sim::org(), $out), $changes, $encrypt);
        self::assertSame([204, ''], [$patched->getHttpStatus(), $patched->getBody()]);
        self::assertSame($changes, self::$sim->lastRequest()['body']);
        self::assertSame('王小明', self::$client->queryUser(Sim::org(), $out)['user_name']);
    }

    // --- invalid arguments: refused before anything is sent ---------------------------------

    /** @return array<string, array{callable(Client): mixed, string}> */
    public static function invalidCalls(): array
    {
        $org = Sim::org();
        $out = Sim::id('payer_out_user_id'); // nothing reaches the sim: any well-formed id does

        return [
            'neither id nor name' => [fn (Client $c) => $c->queryOrganization(), 'exactly one of'],
            'both id and name' => [
                fn (Client $c) => $c->queryOrganization($org, Sim::id('organization_name')),
                'exactly one of',
            ],
            'empty query value' => [fn (Client $c) => $c->queryOrganization(organizationName: ''), 'must not be empty'],
            'NUL in a query value' => [fn (Client $c) => $c->queryOrganization($org . "\0"), 'NUL byte'],
            'empty scene' => [fn (Client $c) => $c->createAuthToken($org, $out, ''), 'scene must be 1 to 256 bytes'],
            'path id with /' => [fn (Client $c) => $c->queryUser($org, 'a/b'), "out_user_id: character '/'"],
            'no change' => [fn (Client $c) => $c->updateUser($org, $out, []), 'at least one field'],
            'use_id for user_id' => [
                fn (Client $c) => $c->updateUser($org, $out, ['use_id' => 'U1']),
                'unknown field "use_id"',
            ],
            'name of the wrong type' => [
                fn (Client $c) => $c->updateUser($org, $out, ['user_name' => 7]),
                'user_name must be a string',
            ],
            'changes that are not JSON' => [
                fn (Client $c) => $c->updateUser($org, $out, ['user_name' => "\xff"]),
                'changes cannot be written as JSON',
            ],
            'dot-dot user id' => [fn (Client $c) => $c->terminateContract($org, '..'), 'user_id'],
            'authinfo without sp_appid' => [
                fn (Client $c) => $c->getAuthinfo(['sub_mchid' => '1']),
                'sp_appid is required',
            ],
            'presign without facepay_user' => [
                fn (Client $c) => $c->presignContract(['business_name' => 'x']),
                'facepay_user is required',
            ],
            'empty appid' => [fn (Client $c) => $c->queryContract('CT1', ''), 'appid: must not be empty'],
            'negative offset' => [
                fn (Client $c) => $c->listFaceCollections($org, -1),
                'offset must be 0 to 4294967295',
            ],
            'collection id with #' => [fn (Client $c) => $c->queryFaceCollection('FC#1'), 'collection_id'],
            'deduction amount as a float' => [
                fn (Client $c) => $c->applyDeduction(
                    ['amount' => ['total' => 12.5, 'currency' => 'CNY']] + self::deductionRequest(1, 'T-1'),
                ),
                'amount.total must be an integer',
            ],
            'deduction with user_id' => [
                fn (Client $c) => $c->applyDeduction(['user_id' => 'U1'] + self::deductionRequest(1, 'T-1')),
                'unknown field "user_id"',
            ],
            'empty product id' => [
                fn (Client $c) => $c->queryDeduction('T-1', '1900000001', '1900000109', ''),
                'business_product_id: must not be empty',
            ],
            'empty out user id' => [
                fn (Client $c) => $c->getRepaymentUrl($org, ''),
                'out_user_id must be 1 to 256 bytes',
            ],
            'lowercase method' => [fn (Client $c) => $c->request('get', '/v3/x'), 'method must be GET, POST'],
            'target outside /v3/' => [fn (Client $c) => $c->request('GET', '/v2/x'), 'target must start with /v3/'],
            'encrypt pointer naming nothing' => [
                fn (Client $c) => $c->request('POST', '/v3/x', ['a' => 'b'], ['/c']),
                'names no string in the body',
            ],
            'encrypt pointer that is not a string' => [
                fn (Client $c) => $c->request('POST', '/v3/x', ['a' => 'b'], [1]),
                'encrypt must list JSON pointer strings',
            ],
        ];
    }

    /**
     * @dataProvider invalidCalls
     *
     * @param callable(Client): mixed $call
     */
    public function testInvalidArgumentsSendNothing(callable $call, string $says): void
    {
        $before = self::$sim->stats()['requests_total'];
        $e = $this->failure(InvalidArgumentException::class, fn () => $call(self::$client));
        self::assertStringContainsString($says, $e->getMessage());
        self::assertSame(Status::INVALID_ARGUMENT, $e->getStatus());
        self::assertFalse($e->isRequestSent());
        self::assertSame(0, $e->getHttpStatus());
        self::assertSame($before, self::$sim->stats()['requests_total']);
    }

    // --- answers that are not the documented success ----------------------------------------

    /** @return array<string, array{callable(Client): mixed, int}> */
    public static function refusedCalls(): array
    {
        $org = Sim::org();
        $unknown = Sim::id('unknown_out_user_id');

        return [
            'queryOrganization' => [fn (Client $c) => $c->queryOrganization(Sim::id('unknown_organization_id')), 404],
            'createAuthToken' => [fn (Client $c) => $c->createAuthToken($org, $unknown), 404],
            'queryUser' => [fn (Client $c) => $c->queryUser($org, $unknown), 404],
            'updateUser' => [fn (Client $c) => $c->updateUser($org, $unknown, ['status' => 'NORMAL']), 404],
            'terminateContract' => [fn (Client $c) => $c->terminateContract($org, Sim::id('terminated_user_id')), 400],
            'getAuthinfo' => [
                fn (Client $c) => $c->getAuthinfo(['organization_id' => 'NOPE'] + self::authinfoRequest()),
                404,
            ],
            'presignContract' => [fn (Client $c) => $c->presignContract(self::presignRequest($unknown)), 404],
            'queryContract' => [fn (Client $c) => $c->queryContract('CT8888888888'), 404],
            'listFaceCollections' => [
                fn (Client $c) => $c->listFaceCollections(Sim::id('unknown_organization_id')),
                404,
            ],
            'queryFaceCollection' => [fn (Client $c) => $c->queryFaceCollection(Sim::id('unknown_collection_id')), 404],
            'applyDeduction' => [
                fn (Client $c) => $c->applyDeduction(
                    ['auth_code' => Sim::id('invalid_auth_code')] + self::deductionRequest(1, 'T-x'),
                ),
                400,
            ],
            'queryDeduction' => [fn (Client $c) => $c->queryDeduction('T-none', '1900000001', '1900000109', '2'), 404],
            'getRepaymentUrl' => [fn (Client $c) => $c->getRepaymentUrl($org, Sim::outUser(self::fresh())), 404],
            'request' => [fn (Client $c) => $c->request('GET', '/v3/offlineface/no-such-api'), 404],
        ];
    }

    /**
     * @dataProvider refusedCalls
     *
     * @param callable(Client): mixed $call
     */
    public function testApiErrorsSayTheRequestWasSent(callable $call, int $httpStatus): void
    {
        $before = self::$sim->stats()['requests_total'];
        $e = $this->failure(ApiException::class, fn () => $call(self::$client));
        self::assertSame([Status::API, $httpStatus, true], [$e->getStatus(), $e->getHttpStatus(), $e->isRequestSent()]);
        self::assertNotSame('', $e->getApiCode());
        self::assertNotSame('', $e->getRequestId());
        self::assertStringStartsWith("WeChat Pay answered {$httpStatus} {$e->getApiCode()}: ", $e->getMessage());
        self::assertSame($before + 1, self::$sim->stats()['requests_total'], 'sent once');
    }

    public function testAnAnswerThatDoesNotVerifyIsASignatureException(): void
    {
        self::$sim->setFault('bad_signature', 1);
        $e = $this->failure(
            SignatureException::class,
            fn () => self::$client->queryUser(Sim::org(), Sim::outUser(self::fresh())),
        );
        self::assertTrue($e->isRequestSent());
    }

    public function testA204WhereDataIsDocumentedIsAResponseException(): void
    {
        self::$sim->setFault('status:204', 1);
        $e = $this->failure(
            ResponseException::class,
            fn () => self::$client->getRepaymentUrl(Sim::org(), Sim::id('debt_out_user_id')),
        );
        self::assertSame([204, true], [$e->getHttpStatus(), $e->isRequestSent()]);
    }

    // --- money moves once -------------------------------------------------------------------

    public function testADeductionIsNeverSentTwiceByTheLibrary(): void
    {
        $n = self::fresh();
        $request = self::deductionRequest($n, "T-{$n}");
        $before = self::$sim->stats();
        self::$sim->setFault('drop_connection', 1);
        $e = $this->failure(NetworkException::class, fn () => self::$client->applyDeduction($request));
        self::assertTrue($e->isRequestSent(), 'the outcome is unknown: query before trying again');
        $after = self::$sim->stats();
        self::assertSame($before['requests_total'] + 1, $after['requests_total']);
        self::assertSame($before['deductions_recorded'], $after['deductions_recorded']);

        // Trying again with the same out_trade_no is the caller's decision; it is recorded once.
        $first = self::$client->applyDeduction($request);
        $again = self::$client->applyDeduction($request);
        self::assertSame($first->toArray(), $again->toArray());
        $final = self::$sim->stats();
        self::assertSame($before['deductions_recorded'] + 1, $final['deductions_recorded']);
        self::assertSame($before['deductions_repeated'] + 1, $final['deductions_repeated']);
    }

    // --- helpers ----------------------------------------------------------------------------

    private static function fresh(): int
    {
        return self::$next++;
    }

    private static function userPath(string $organizationId, string $outUserId): string
    {
        return "/v3/offlinefacemch/organizations/{$organizationId}/users/out-user-id/{$outUserId}";
    }

    /** @return array<string, string> */
    private static function authinfoRequest(): array
    {
        return [
            'sp_appid' => 'wxsp0000000001',
            'sub_mchid' => '1900000109',
            'device_id' => 'DEVICE-01',
            'raw_data' => 'RAW-DATA-FROM-THE-DEVICE',
            'organization_id' => Sim::org(),
        ];
    }

    /** @return array<string, mixed> a presign request with the six sensitive fields in plain text */
    private static function presignRequest(string $outUserId): array
    {
        return [
            'business_name' => '食堂',
            'facepay_user' => [
                'out_user_id' => $outUserId,
                'organization_id' => Sim::org(),
                'identification' => [
                    'identification_type' => 'IDCARD',
                    'identification_number' => '110101201001011234',
                ],
                'phone' => '13800138000',
            ],
            'limit_bank_card' => [
                'bank_card_number' => '6222020000000000000',
                'identification_name' => '张大山',
                'identification' => [
                    'identification_type' => 'IDCARD',
                    'identification_number' => '110101198001011234',
                ],
                'valid_thru' => '12/29',
                'phone' => '13900139000',
            ],
            'contract_mode' => 'LIMIT_BANK_CARD',
        ];
    }

    /** @return array<string, mixed> a deduction paid by contracted user $n */
    private static function deductionRequest(int $n, string $outTradeNo): array
    {
        return [
            'auth_code' => Sim::id('auth_code_prefix') . Sim::user($n),
            'sp_mchid' => '1900000001',
            'sub_mchid' => '1900000109',
            'amount' => ['total' => 1250, 'currency' => 'CNY'],
            'scene_info' => ['device_ip' => '10.1.2.3'],
            'description' => '午餐',
            'out_trade_no' => $outTradeNo,
            'business' => ['business_product_id' => 2, 'business_scene_id' => 3],
        ];
    }

    /**
     * @template T of WxfaceException
     *
     * @param class-string<T> $class
     *
     * @return T
     */
    private function failure(string $class, callable $call): WxfaceException
    {
        try {
            $call();
        } catch (WxfaceException $e) {
            self::assertInstanceOf($class, $e, get_class($e) . ': ' . $e->getMessage());

            return $e;
        }
        self::fail("expected {$class}, but the call succeeded");
    }
}
