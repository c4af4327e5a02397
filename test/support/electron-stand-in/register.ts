// `node --import <this file> <main.js>`: runs the app's entry point with `electron` resolved to the
// recording stand-in (hooks.ts, electron.ts).
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
