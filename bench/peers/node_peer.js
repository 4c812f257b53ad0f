// wechatpay-axios-plugin (npm) against wxface-sim: signed, verified terminate-contract calls.
//
// Usage: node node_peer.js STATE_DIR CALLS WARMUP   (NODE_EXTRA_CA_CERTS=STATE_DIR/ca.pem)
// Prints `RESULT wechatpay-axios-plugin <calls/s> <client CPU µs per call>`.
//
// The gateway is the axios `baseURL` option, the response verifier gets the WeChat Pay public
// key under its PUB_KEY_ID_ in `certs` (as in production); the CA comes from
// NODE_EXTRA_CA_CERTS. Node's global https agent keeps connections alive (Node >= 19).
'use strict';
const fs = require('fs');
const path = require('path');
const { Wechatpay } = require('wechatpay-axios-plugin');
const axios = require('axios');

const [state, calls, warmup] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const cfg = JSON.parse(fs.readFileSync(path.join(state, 'client.json'), 'utf8'));
const wxpay = new Wechatpay({
  mchid: cfg.mchid,
  serial: cfg.merchant_serial_no,
  privateKey: fs.readFileSync(cfg.private_key_file),
  certs: { [cfg.wechatpay_public_key_id]: fs.readFileSync(cfg.wechatpay_public_key_file) },
  baseURL: `${cfg.base_url}/`,
});
const ids = { organization_id: 'DBES323aeb', user_id: 'U0000000001' };
const terminate = wxpay.v3.offlinefacemch.organizations['{organization_id}'].users['user-id']['{user_id}']['terminate-contract'];

async function call() {
  const res = await terminate.post(undefined, ids);
  if (res.status !== 204) throw new Error(`terminate answered ${res.status}, expected 204`);
}

function cpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

(async () => {
  // It must verify: one response with a corrupted signature has to be refused.
  await axios.post(`${cfg.base_url}/__sim/faults`, { fault: 'bad_signature', count: 1 });
  let refused = false;
  try { await call(); } catch (e) { refused = /Verify|SIGNATURE/i.test(`${e.code} ${e.message}`); if (!refused) throw e; }
  if (!refused) throw new Error('wechatpay-axios-plugin accepted a response with a bad signature');
  for (let i = 0; i < warmup; i += 1) await call();
  const cpu0 = cpuUs();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i += 1) await call();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuUs() - cpu0;
  console.log(`RESULT wechatpay-axios-plugin ${(calls / wall).toFixed(1)} ${(cpu / calls).toFixed(1)}`);
})().catch((e) => {
  console.error(`wechatpay-axios-plugin: ${e.code || ''} ${e.message}`);
  process.exit(1);
});
