// node sm2_encrypt.mjs LIB PUBLIC_HEX(04..) PLAINTEXT_HEX MODE  ->  ciphertext hex
// MODE 1 = C1C3C2, 0 = C1C2C3. Both libraries print C1 WITHOUT its 04 prefix.
import { library, run, toBytes } from './common.mjs';

run('sm2_encrypt.mjs LIB PUBLIC_HEX PLAINTEXT_HEX MODE', 4, ([lib, pub, pt, mode]) => {
  const { sm2 } = library(lib);
  process.stdout.write(`${sm2.doEncrypt(toBytes(pt), pub, Number(mode))}\n`);
});
