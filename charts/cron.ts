// Turns a five-field cron expression into cdk8s's Cron, after checking it.

import { Cron } from 'cdk8s';
import { requireCron } from './validate.js';

/** Parses "minute hour day month weekday" into a Cron; throws naming `prop` when invalid. */
export function parseCron(prop: string, expression: string): Cron {
  requireCron(prop, expression);
  const [minute, hour, day, month, weekDay] = expression.trim().split(/\s+/);
  return Cron.schedule({ minute, hour, day, month, weekDay });
}
