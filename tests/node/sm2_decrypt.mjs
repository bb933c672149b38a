// node sm2_decrypt.mjs LIB PRIVATE_HEX CIPHERTEXT_HEX MODE  ->  plaintext hex
// The ciphertext is in the library's own raw form: C1 without 04, MODE 1 = C1C3C2, 0 = C1C2C3.
import { library, run, toHex } from './common.mjs';

run('sm2_decrypt.mjs LIB PRIVATE_HEX CIPHERTEXT_HEX MODE', 4, ([lib, priv, ct, mode]) => {
  const { sm2 } = library(lib);
  const pt = sm2.doDecrypt(ct, priv, Number(mode), { output: 'array' });
  // Both libraries signal a C3 mismatch with an empty result instead of an exception.
  if (!pt || pt.length === 0) {
    process.stdout.write('decryption failed\n');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${toHex(pt)}\n`);
});
