import { describe, expect, it } from 'vitest';
import { LineBatcher } from './line-batcher.js';

describe('LineBatcher', () => {
  it('holds lines until they reach the batch size, then writes them as one chunk, in order', () => {
    const chunks: string[] = [];
    const batcher = new LineBatcher({ write: (chunk) => chunks.push(chunk) }, 20, 60_000);
    batcher.write('{"a":1}\n');
    batcher.write('{"b":2}\n');
    expect(chunks).toEqual([]);
    batcher.write('{"c":3}\n');
    expect(chunks).toEqual(['{"a":1}\n{"b":2}\n{"c":3}\n']);
    batcher.write('{"d":4}\n');
    batcher.flush();
    batcher.flush();
    expect(chunks).toEqual(['{"a":1}\n{"b":2}\n{"c":3}\n', '{"d":4}\n']);
  });

  it('writes a lone line after at most its delay', async () => {
    const chunks: string[] = [];
    const batcher = new LineBatcher({ write: (chunk) => chunks.push(chunk) }, 4096, 20);
    batcher.write('{"quiet":true}\n');
    expect(chunks).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(chunks).toEqual(['{"quiet":true}\n']);
  });
});
