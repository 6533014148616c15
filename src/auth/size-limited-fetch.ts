// fetch() that refuses a response body beyond a size, for jose's JWKS download.
import type { FetchImplementation } from 'jose';

export class ResponseTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`the response is larger than ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * jose reads a JWKS with `response.json()`, which buffers whatever the server sends; this
 * reads at most `maxBytes` (the declared length is checked first, the counted bytes
 * always) and hands jose a buffered copy. The caller's abort signal still bounds the read.
 */
export function sizeLimitedFetch(maxBytes: number): FetchImplementation {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (response.status !== 200) {
      // jose refuses it without reading the body.
      await response.body?.cancel();
      return response;
    }
    if (Number(response.headers.get('content-length')) > maxBytes) {
      await response.body?.cancel();
      throw new ResponseTooLargeError(maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        throw new ResponseTooLargeError(maxBytes);
      }
      chunks.push(chunk);
    }
    return new Response(Buffer.concat(chunks), {
      status: response.status,
      headers: response.headers,
    });
  };
}
