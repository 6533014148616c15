// Reads .env into process.env (the environment wins), before anything reads a variable.
import { config as loadDotEnv } from 'dotenv';

loadDotEnv({ quiet: true });
