import type { Caller } from './actor';

declare module 'http' {
  interface IncomingMessage {
    /** Set by the access guard once an agent key is verified. */
    caller?: Caller;
  }
}
