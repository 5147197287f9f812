/**
 * Superscript text (HTML `<sup>`, a Word run with vertAlign=superscript) is a footnote mark, not
 * part of the figure it follows: `12<sup>1</sup>` is 12 with note 1. Readers keep it as Unicode
 * superscript digits, so the cell tokenizer can tell the mark from the number (plain text would
 * read 121; NFKC later folds ¹ to 1 for every other use of the text, as before).
 */
const SUPER: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
  '０': '⁰', '１': '¹', '２': '²', '３': '³', '４': '⁴', '５': '⁵', '６': '⁶', '７': '⁷', '８': '⁸', '９': '⁹',
};

/** `s` with its digits as superscript digits (other characters unchanged). */
export function superscriptDigits(s: string): string {
  return s.replace(/[0-9０-９]/g, (d) => SUPER[d]);
}
