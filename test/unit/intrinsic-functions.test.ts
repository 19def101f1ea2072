/**
 * Intrinsic functions as AWS evaluates them (patches/aws-local-stepfunctions+3.0.0.patch): escapes
 * belong to string literals only, so data keeps its backslashes.
 */
import { describe, expect, it } from '@jest/globals';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/** Runs one Pass state whose Parameters are `parameters`, on `input`. */
async function evaluate(
  parameters: Record<string, string>,
  input: Parameters<StateMachine['run']>[0],
): Promise<unknown> {
  const definition = {
    StartAt: 'Evaluate',
    States: { Evaluate: { Type: 'Pass', Parameters: parameters, End: true } },
  };
  return new StateMachine(definition as unknown as StateMachineDefinition).run(input).result;
}

describe('intrinsic functions', () => {
  it('keep the backslashes of values read from the input', async () => {
    const input = { username: 'back\\slash', value: { bio: 'a "quoted" \\ bio' } };
    await expect(
      evaluate(
        {
          'key.$': "States.Format('username#{}', $.username)",
          'json.$': 'States.JsonToString($.value)',
          'array.$': 'States.Array($.username)',
        },
        input,
      ),
    ).resolves.toEqual({
      key: 'username#back\\slash',
      json: JSON.stringify(input.value),
      array: ['back\\slash'],
    });
  });

  it('resolve the escapes of string literals, and only those', async () => {
    // In the intrinsic syntax 'it\'s \{\} {}' is the text "it's {} " and a placeholder. (An escaped
    // backslash, '\\', is valid in AWS but rejected by the asl-validator the runner loads definitions with.)
    await expect(
      evaluate(
        {
          'text.$': "States.Format('it\\'s \\{\\} {}', $.name)",
          'literal.$': "States.Array('a,b\\'(', 'c')",
          'nested.$': "States.Format('{}!', States.Format('<{}>', $.name))",
        },
        { name: 'x\\y' },
      ),
    ).resolves.toEqual({ text: "it's {} x\\y", literal: ["a,b'(", 'c'], nested: '<x\\y>!' });
  });

  it('treat a template read from the input as data with placeholders', async () => {
    await expect(
      evaluate({ 'text.$': 'States.Format($.template, $.name)' }, { template: 'a\\b {}', name: 'c' }),
    ).resolves.toEqual({ text: 'a\\b c' });
  });
});
