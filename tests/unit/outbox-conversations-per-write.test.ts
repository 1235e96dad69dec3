import { ConversationsPerWrite } from '../../backend/features/outbox/conversations-per-write';

describe('When the outbox sizes its writes to MESSAGE_LANE_WRITE_MS', () => {
  it('then the first write takes one conversation, before any write was timed', () => {
    expect(new ConversationsPerWrite(5, 10).next()).toBe(1);
  });

  it('then a store at 2 ms per conversation gets writes of 2 for a 5 ms budget', () => {
    const size = new ConversationsPerWrite(5, 10);
    size.observe(1, 2);
    expect(size.next()).toBe(2);
  });

  it('then a fast store gets writes as large as MESSAGE_LANE_CHUNK, never larger', () => {
    const size = new ConversationsPerWrite(5, 10);
    size.observe(4, 0.4);
    expect(size.next()).toBe(10);
    size.observe(10, 0);
    expect(size.next()).toBe(10);
  });

  it('then a store slower than the whole budget still gets one conversation per write', () => {
    const size = new ConversationsPerWrite(5, 10);
    size.observe(3, 60);
    expect(size.next()).toBe(1);
  });

  it('then one slow write moves the estimate a fifth of the way, not all of it', () => {
    const size = new ConversationsPerWrite(10, 100);
    size.observe(1, 1); // 10 per write
    size.observe(1, 11); // average 1 * 0.8 + 11 * 0.2 = 3 ms
    expect(size.next()).toBe(3);
  });

  it('then a failed or empty write teaches nothing', () => {
    const size = new ConversationsPerWrite(5, 10);
    size.observe(0, 100);
    size.observe(2, Number.NaN);
    expect(size.next()).toBe(1);
    size.observe(1, 1);
    expect(size.next()).toBe(5);
  });
});
