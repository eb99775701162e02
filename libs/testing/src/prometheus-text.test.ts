import { parsePrometheusText, sampleValue } from './prometheus-text';

describe('parsePrometheusText', () => {
  it('reads families, types, labels with escapes and special values', () => {
    const families = parsePrometheusText(
      [
        '# HELP calls_total Calls, by method.',
        '# TYPE calls_total counter',
        'calls_total{method="/a.B/C",code="OK"} 3',
        'calls_total{method="/a.B/C",code="NOT_FOUND"} 1 1700000000000',
        '# TYPE took_seconds histogram',
        'took_seconds_bucket{le="0.1"} 2',
        'took_seconds_bucket{le="+Inf"} 4',
        'took_seconds_sum 1.5e-1',
        'took_seconds_count 4',
        '# TYPE depth gauge',
        'depth{note="say \\"hi\\"\\n"} NaN',
        '',
      ].join('\n'),
    );
    expect(families.get('calls_total')).toMatchObject({ type: 'counter', help: 'Calls, by method.' });
    expect(sampleValue(families, 'calls_total', { method: '/a.B/C' })).toBe(4);
    expect(sampleValue(families, 'took_seconds_bucket', { le: '+Inf' })).toBe(4);
    expect(sampleValue(families, 'took_seconds_sum')).toBeCloseTo(0.15);
    expect(families.get('took_seconds')?.samples).toHaveLength(4);
    expect(families.get('depth')?.samples[0].labels.note).toBe('say "hi"\n');
    expect(sampleValue(families, 'nothing_total')).toBe(0);
  });

  it.each([
    ['a value that is no number', 'x_total abc\n'],
    ['an unclosed label value', 'x_total{a="b} 1\n'],
    ['an unquoted label value', 'x_total{a=b} 1\n'],
    ['a label given twice', 'x_total{a="1",a="2"} 1\n'],
    ['no value', 'x_total{a="1"}\n'],
    ['an unknown type', '# TYPE x_total countr\nx_total 1\n'],
    ['a bad metric name', '1x 1\n'],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\n'],
    ['samples of one family apart', '# TYPE a counter\na 1\n# TYPE b counter\nb 1\na 2\n'],
    ['no final line feed', 'x_total 1'],
  ])('refuses %s', (_why, body) => {
    expect(() => parsePrometheusText(body)).toThrow();
  });
});
