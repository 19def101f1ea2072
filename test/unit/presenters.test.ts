import { describe, expect, it } from '@jest/globals';
import {
  presentArticle,
  presentComment,
  presentProfile,
  presentUser,
} from '../../lambdas/shared/presenters.ts';
import type { ArticleRecord, CommentRecord, UserRecord } from '../../lambdas/shared/records.ts';

const user: UserRecord = {
  pk: 'user#1',
  id: '1',
  username: 'jake',
  email: 'jake@jake.jake',
  passwordHash: '$2b$10$secret',
  bio: null,
  image: 'https://img/jake.png',
  createdAt: '2026-01-02T03:04:05.678Z',
  updatedAt: '2026-01-02T03:04:05.678Z',
  version: 1,
};

const article: ArticleRecord = {
  pk: 'article#a',
  id: 'a',
  slug: 'how-to-train-your-dragon',
  title: 'How to train your dragon',
  description: 'Ever wonder how?',
  body: 'It takes a Jacobian',
  tagList: ['training', 'dragons'],
  authorId: '1',
  createdAt: '2026-01-02T03:04:05.678Z',
  updatedAt: '2026-01-03T03:04:05.678Z',
  favoritesCount: 2,
  commentSeq: 0,
};

describe('presenters', () => {
  it('renders a user without the password hash', () => {
    expect(presentUser(user, 'jwt')).toEqual({
      user: {
        email: 'jake@jake.jake',
        token: 'jwt',
        username: 'jake',
        bio: null,
        image: 'https://img/jake.png',
      },
    });
  });

  it('renders a profile with following', () => {
    expect(presentProfile(user, true)).toEqual({
      username: 'jake',
      bio: null,
      image: 'https://img/jake.png',
      following: true,
    });
  });

  it('renders an article with sorted tags, and without the body in lists', () => {
    const author = presentProfile(user, false);
    const single = presentArticle(article, author, true);
    expect(single).toMatchObject({
      body: 'It takes a Jacobian',
      tagList: ['dragons', 'training'],
      favorited: true,
    });
    expect(single.favoritesCount).toBe(2);
    expect('body' in presentArticle(article, author, false, { withBody: false })).toBe(false);
  });

  it('renders a comment with a numeric id', () => {
    const comment: CommentRecord = {
      pk: 'comments#a',
      sk: '0000000007',
      id: 7,
      articleId: 'a',
      body: 'Nice',
      authorId: '1',
      createdAt: '2026-01-02T03:04:05.678Z',
      updatedAt: '2026-01-02T03:04:05.678Z',
    };
    expect(presentComment(comment, presentProfile(user, false))).toEqual({
      id: 7,
      createdAt: comment.createdAt,
      updatedAt: comment.updatedAt,
      body: 'Nice',
      author: { username: 'jake', bio: null, image: 'https://img/jake.png', following: false },
    });
  });
});
