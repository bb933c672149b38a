// node sm2_key_exchange.mjs ROLE PRIVATE_HEX PEER_PUBLIC_HEX PEER_EPHEMERAL_HEX LENGTH \
//                           SELF_ID PEER_ID
//   ->  "OWN_EPHEMERAL_PUBLIC_HEX KEY_HEX"
// GB/T 32918.3 key exchange by sm-crypto-v2 (calculateSharedKey); ROLE initiator | responder.
// This side's ephemeral key is drawn here; SM2 ephemerals are independent of the peer's, so one
// call per side is enough. sm-crypto-v2 has no confirmation step (S_A/S_B): the key is compared.
import { sm2 } from 'sm-crypto-v2';
import { run, toHex } from './common.mjs';

const usage = 'sm2_key_exchange.mjs ROLE PRIVATE_HEX PEER_PUBLIC_HEX PEER_EPHEMERAL_HEX LENGTH '
  + 'SELF_ID PEER_ID';
run(usage, 7, ([role, priv, peerPub, peerEphemeral, length, selfId, peerId]) => {
  if (role !== 'initiator' && role !== 'responder') throw new Error(`bad role ${role}`);
  const self = { privateKey: priv, publicKey: sm2.getPublicKeyFromPrivateKey(priv) };
  const ephemeral = sm2.generateKeyPairHex();
  const key = sm2.calculateSharedKey(self, ephemeral, peerPub, peerEphemeral, Number(length),
    role === 'responder', selfId, peerId);
  process.stdout.write(`${ephemeral.publicKey} ${toHex(key)}\n`);
});
