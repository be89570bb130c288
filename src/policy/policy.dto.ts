import { ApiProperty } from '@nestjs/swagger';
import { CLASSIFICATION_RULES, POLICY_MATRIX, PURPOSE_CLASSES, SCOPES, SOURCES, type PurposeClass, type Scope } from './policy.constants';

const allowed = (scope: Scope) =>
  ApiProperty({ enum: PURPOSE_CLASSES, isArray: true, example: POLICY_MATRIX[scope], description: `Purpose classes that may read ${scope}` });

/** Scope -> the purpose classes allowed to read it (every scope is listed). */
export class PolicyMatrixDto implements Record<Scope, readonly PurposeClass[]> {
  @allowed('preferences') preferences: readonly PurposeClass[];
  @allowed('constraints') constraints: readonly PurposeClass[];
  @allowed('communication') communication: readonly PurposeClass[];
  @allowed('accessibility') accessibility: readonly PurposeClass[];
  @allowed('schedule') schedule: readonly PurposeClass[];
  @allowed('attention') attention: readonly PurposeClass[];
}

/** A free-text purpose whose word starts with one of the keywords has this class (first rule wins). */
export class ClassificationRuleDto {
  @ApiProperty({ enum: PURPOSE_CLASSES, example: CLASSIFICATION_RULES[0].purpose_class }) purpose_class: PurposeClass;
  @ApiProperty({ type: [String], example: CLASSIFICATION_RULES[0].keywords }) keywords: readonly string[];
}

/** GET /policy. */
export class PolicyDto {
  @ApiProperty({ enum: SCOPES, isArray: true, example: SCOPES }) scopes: readonly Scope[];
  @ApiProperty({ enum: PURPOSE_CLASSES, isArray: true, example: PURPOSE_CLASSES }) purpose_classes: readonly PurposeClass[];
  @ApiProperty({ enum: SOURCES, isArray: true, example: SOURCES }) sources: readonly string[];
  @ApiProperty({ type: PolicyMatrixDto }) matrix: PolicyMatrixDto;
  @ApiProperty({ type: [ClassificationRuleDto], description: 'In order: the first matching rule classifies a purpose' })
  classification: readonly ClassificationRuleDto[];
  @ApiProperty({ enum: ['deny'], example: 'deny', description: 'A purpose no rule matches is denied' }) unmatched_purpose: string;
}
