import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { cutShellLine, shellLineWithPositionals, splitPlainLine } from '../../engine/src/steps/scriptStep';
import { outsideState, processesWith, sandbox, uniqueSeconds, write, weir } from './helpers';

/** Issue 11 item 1: values substituted into a script's command are data, never code. */

function withValues(line: string, values: string[]): string[] {
  const pieces = cutShellLine(line);
  for (let i = 1; i < pieces.length; i += 2) pieces[i] = values[(i - 1) / 2]!;
  return pieces;
}

describe('splitting a command line before substituting', () => {
  test('a line without shell syntax becomes an argument vector, each value inside one argument', () => {
    const hostile = `$(touch x) \`y\` "q" 'r' ; z`;
    expect(splitPlainLine(withValues('echo ${{ parameters.p }}', [hostile]))).toEqual(['echo', hostile]);
    expect(splitPlainLine(withValues('echo "a ${{ parameters.p }} b"', [hostile]))).toEqual(['echo', `a ${hostile} b`]);
    expect(splitPlainLine(withValues("echo 'a ${{ parameters.p }} b' --x=${{ outputs.o }}", [hostile, '/a b/c']))).toEqual(['echo', `a ${hostile} b`, '--x=/a b/c']);
    expect(splitPlainLine(withValues('python "my prep.py" ${{ inputs.d }}', ['/with space/d.parquet']))).toEqual(['python', 'my prep.py', '/with space/d.parquet']);
    expect(splitPlainLine(withValues('echo ""', []))).toEqual(['echo', '']);
  });

  test('shell syntax, shell builtins and variable assignments need the shell', () => {
    for (const line of ['echo a | cat', 'echo a > f', 'echo $HOME', 'echo "$HOME"', 'ls *.csv', 'exit 3', 'cd sub', 'A=1 env', 'echo a; echo b', 'echo `x`', "echo 'open", 'echo a && b']) {
      expect(splitPlainLine(cutShellLine(line)), line).toBeUndefined();
    }
  });

  test('with the shell, each value is a positional parameter quoted for its context', () => {
    const v = "it's $(x)";
    expect(shellLineWithPositionals(withValues('cat ${{ inputs.a }} | wc', [v]))).toEqual({ line: 'cat "${1}" | wc', values: [v] });
    expect(shellLineWithPositionals(withValues('echo "a ${{ inputs.a }}" | cat', [v])).line).toBe('echo "a ${1}" | cat');
    expect(shellLineWithPositionals(withValues("echo 'a ${{ inputs.a }}' | cat", [v])).line).toBe(`echo 'a '"\${1}"'' | cat`);
    // An escaped quote does not open a quoted part.
    expect(shellLineWithPositionals(withValues("echo \\' ${{ inputs.a }} | cat", [v])).line).toBe(`echo \\' "\${1}" | cat`);
    // A single quote inside double quotes is literal.
    expect(shellLineWithPositionals(withValues(`echo "it's ${'${{ inputs.a }}'}" | cat`, [v])).line).toBe('echo "it\'s ${1}" | cat');
  });
});

describe('weir run with hostile parameters', () => {
  test('--param p=$(touch …) creates no file, bare, inside "…" and inside \'…\', with and without shell syntax', () => {
    const box = sandbox();
    const pwned = path.join(box.outside, 'pwned');
    write(box.ws, {
      'p.pipeline.yaml': [
        'parameters: { p: hello }',
        'steps:',
        '  bare:',
        '    script: echo ${{ parameters.p }}',
        '  dq:',
        '    script: echo "[${{ parameters.p }}]"',
        '  sq:',
        "    script: echo '[${{ parameters.p }}]'",
        '  piped:',
        '    script: echo ${{ parameters.p }} | cat',
        '  dqpiped:',
        '    script: echo "<${{ parameters.p }}>" | cat',
        '  sqpiped:',
        "    script: echo '<${{ parameters.p }}>' | cat",
        '  cmd:',
        '    script:',
        '      command: printf %s ${{ parameters.p }}',
        '  list:',
        '    script:',
        '      command: [sh, -c, \'echo "$0"\', "${{ parameters.p }}"]',
        '  file:',
        '    script:',
        '      file: show.sh',
        '      args: ["${{ parameters.p }}"]',
        '',
      ].join('\n'),
      'show.sh': 'printf "%s\\n" "$1"\n',
    });
    const before = outsideState(box);
    // A value that would leave a process behind if it ran: none may survive the runs.
    const marker = `sleep ${uniqueSeconds()}`;
    const values = [`$(touch ${pwned})`, `\`touch ${pwned}\``, `x'; touch ${pwned}; echo '`, `x"; touch ${pwned}; echo "`, `a b; touch ${pwned}`, `$(setsid ${marker} >/dev/null 2>&1 &)`];
    for (const value of values) {
      const r = weir(box.ws, ['run', 'p.pipeline.yaml', '--no-reuse', '--param', `p=${value}`]);
      expect(r.code, r.out + r.err).toBe(0);
      expect(existsSync(pwned)).toBe(false);
      // Each step printed the value itself, as text.
      const runId = JSON.parse(weir(box.ws, ['run', 'show', 'latest', '--json']).out).id as string;
      for (const step of ['bare', 'dq', 'sq', 'piped', 'dqpiped', 'sqpiped', 'cmd', 'list', 'file']) {
        const log = readFileSync(path.join(box.ws, '.weir', 'runs', runId, 'logs', `${step}.log`), 'utf8');
        expect(log, `${step} with ${value}`).toContain(value);
      }
    }
    expect(outsideState(box)).toEqual(before);
    expect(readdirSync(box.outside)).toEqual(['keep.txt']);
    const survivors = processesWith(marker);
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    expect(survivors).toEqual([]);
  });

  test('paths with spaces still reach the program as single arguments', () => {
    const box = sandbox('my work space');
    write(box.ws, {
      'data dir/in put.csv': 'a,b\n1,2\n',
      's.pipeline.yaml': [
        'inputs: { d: "file:data dir/in put.csv" }',
        'steps:',
        '  plain:',
        '    script: cp ${{ inputs.d }} ${{ outputs.o }}',
        '    outputs: { o: file }',
        '  shell:',
        '    script: cat ${{ steps.plain.outputs.o }} | tr a-z A-Z > "${{ outputs.o }}"',
        '    outputs: { o: file }',
        'outputs: { up: "${{ steps.shell.outputs.o }}" }',
        '',
      ].join('\n'),
    });
    const r = weir(box.ws, ['run', 's.pipeline.yaml']);
    expect(r.code, r.out + r.err).toBe(0);
    const to = path.join(box.ws, 'got');
    expect(weir(box.ws, ['run', 'download', 'latest', 'up', '--to', to]).code).toBe(0);
    const [file] = readdirSync(to);
    expect(readFileSync(path.join(to, file!), 'utf8')).toBe('A,B\n1,2\n');
  });
});
