import { describe, expect, it } from '@jest/globals';
import {
  loginRequest,
  registerUserRequest,
  updateUserRequest,
  validationErrors,
} from '../../schemas/requests.ts';

const errorsOf = (result: ReturnType<typeof registerUserRequest.safeParse>) =>
  result.success ? undefined : validationErrors(result.error);

describe('registerUserRequest', () => {
  it('trims username and email and keeps the password as sent', () => {
    const parsed = registerUserRequest.parse({
      user: { username: ' jake ', email: ' jake@x.io ', password: ' pass word ' },
    });
    expect(parsed.user).toEqual({ username: 'jake', email: 'jake@x.io', password: ' pass word ' });
  });

  it.each([
    [{}, { user: ["can't be blank"] }],
    [{ user: null }, { user: ["can't be blank"] }],
    [{ user: 'jake' }, { user: ['must be an object'] }],
    [
      { user: { username: '', email: '', password: '' } },
      { username: ["can't be blank"], email: ["can't be blank"], password: ["can't be blank"] },
    ],
    [
      { user: { username: 'a', email: 'a@b.co', password: 'short' } },
      { password: ['is too short (minimum is 8 characters)'] },
    ],
    [
      { user: { username: 'a', email: 'a@b.co', password: 'x'.repeat(73) } },
      { password: ['is too long (maximum is 72 characters)'] },
    ],
    [
      { user: { username: 7, email: 'nope', password: 'password' } },
      { username: ['must be a string'], email: ['is invalid'] },
    ],
  ])('rejects %j with %j', (body, errors) => {
    expect(errorsOf(registerUserRequest.safeParse(body))).toEqual(errors);
  });
});

describe('loginRequest', () => {
  it('needs both fields but does not judge the password length', () => {
    expect(loginRequest.safeParse({ user: { email: 'a@b.co', password: 'x' } }).success).toBe(true);
    const result = loginRequest.safeParse({ user: { email: ' ' } });
    expect(result.success ? undefined : validationErrors(result.error)).toEqual({
      email: ["can't be blank"],
      password: ["can't be blank"],
    });
  });
});

describe('updateUserRequest', () => {
  it('keeps omitted fields out and turns "" or null bio/image into null', () => {
    expect(updateUserRequest.parse({ user: { bio: '', image: null } }).user).toEqual({
      bio: null,
      image: null,
    });
    expect(updateUserRequest.parse({ user: {} }).user).toEqual({});
  });

  it('rejects null or blank email, username and password', () => {
    const result = updateUserRequest.safeParse({ user: { email: null, username: '  ', password: null } });
    expect(result.success ? undefined : validationErrors(result.error)).toEqual({
      email: ["can't be blank"],
      username: ["can't be blank"],
      password: ["can't be blank"],
    });
  });
});
