import { ValidateBy, ValidationOptions } from 'class-validator';
import { isValidTimeZone } from './time-zone';

export const TIME_ZONE_RULE = 'must be an IANA time zone such as UTC or America/Denver';

/** class-validator rule for IANA zone names (same check the services apply). */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isValidTimeZone(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} ${TIME_ZONE_RULE}`,
      },
    },
    options,
  );
}
