// What is wrong with an input, field by field: the shape the API answers 4xx with. Declared
// here so domain rules can name problems without importing the API (which has the same shape).
export interface Problem {
  /** Where: a field name or a JSON path. */
  field: string;
  message: string;
}
