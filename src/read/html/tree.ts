/**
 * A lean parse5 tree adapter building the same tree as parse5-htmlparser2-tree-adapter (the
 * domhandler DOM that `cheerio.load` gives: same node types, names, attributes, text and
 * parents) but only the fields the reader uses. Allocation dominated reading: domhandler's
 * elements carry sibling links, source indices and two extra attribute dictionaries each.
 */
import { html, type Token, type TreeAdapter, type TreeAdapterTypeMap } from 'parse5';
import type { DomNode } from './dom';

/**
 * One shape for every node kind keeps property reads monomorphic. Absent fields stay
 * `undefined`, as on domhandler nodes (text has no children, elements no data).
 */
class Node implements DomNode {
  parent: Node | null = null;
  constructor(
    public type: string,
    public name: string | undefined,
    public attribs: Record<string, string> | undefined,
    public children: Node[] | undefined,
    public data: string | undefined,
    /** Elements: namespace (parse5 asks for it constantly). */
    public ns?: html.NS,
  ) {}
}

/** Documents also keep their quirks mode (it changes how <table> closes <p>). */
interface DocumentNode extends Node {
  mode?: html.DOCUMENT_MODE;
}

/** Doctype directives keep their parts for parse5's getters. */
interface DoctypeNode extends Node {
  doctype?: { name: string; publicId: string; systemId: string };
}

/**
 * Attribute maps inherit nothing (like domhandler's `Object.create(null)`, so `__proto__` is an
 * attribute like any other) but stay in V8's fast mode, unlike a null-prototype object.
 */
const ATTRIBS_PROTO: object = Object.create(null);

function attribsOf(attrs: Token.Attribute[]): Record<string, string> {
  const a = Object.create(ATTRIBS_PROTO) as Record<string, string>;
  for (let i = 0; i < attrs.length; i++) a[attrs[i].name] = attrs[i].value;
  return a;
}

function enquote(id: string): string {
  const q = id.includes('"') ? "'" : '"';
  return q + id + q;
}

/** domhandler's doctype `data` (serializeDoctypeContent of parse5-htmlparser2-tree-adapter). */
function doctypeData(name: string, publicId: string, systemId: string): string {
  let s = '!DOCTYPE ';
  if (name) s += name;
  if (publicId) s += ` PUBLIC ${enquote(publicId)}`;
  else if (systemId) s += ' SYSTEM';
  if (systemId) s += ` ${enquote(systemId)}`;
  return s;
}

const isText = (n: Node | undefined): n is Node => n !== undefined && n.type === 'text';
const isTag = (n: Node): boolean => n.type === 'tag' || n.type === 'script' || n.type === 'style';

function appendChild(parent: Node, node: Node): void {
  const kids = parent.children!;
  // A first push would reserve 17 slots; most elements keep one child (td, p, span…).
  if (kids.length === 0) parent.children = [node];
  else kids.push(node);
  node.parent = parent;
}

function insertBefore(parent: Node, node: Node, ref: Node): void {
  const kids = parent.children!;
  kids.splice(kids.indexOf(ref), 0, node);
  node.parent = parent;
}

type LeanTypes = TreeAdapterTypeMap<Node, Node, Node, DocumentNode, Node, Node, Node, Node, Node, DoctypeNode>;

export const leanAdapter: TreeAdapter<LeanTypes> = {
  createDocument() {
    const d: DocumentNode = new Node('root', undefined, undefined, [], undefined);
    d.mode = html.DOCUMENT_MODE.NO_QUIRKS;
    return d;
  },
  createDocumentFragment: () => new Node('root', undefined, undefined, [], undefined),
  createElement(tagName, ns, attrs) {
    const type = tagName === 'script' ? 'script' : tagName === 'style' ? 'style' : 'tag';
    return new Node(type, tagName, attribsOf(attrs), [], undefined, ns);
  },
  createCommentNode: (data) => new Node('comment', undefined, undefined, undefined, data),
  createTextNode: (value) => new Node('text', undefined, undefined, undefined, value),

  appendChild,
  insertBefore,
  setTemplateContent: (template, content) => appendChild(template, content),
  getTemplateContent: (template) => template.children![0],
  setDocumentType(document, name, publicId, systemId) {
    const data = doctypeData(name, publicId, systemId);
    let node = document.children!.find((n) => n.type === 'directive' && n.name === '!doctype') as DoctypeNode | undefined;
    if (node) node.data = data;
    else {
      node = new Node('directive', '!doctype', undefined, undefined, data);
      appendChild(document, node);
    }
    node.doctype = { name, publicId, systemId };
  },
  setDocumentMode: (document, mode) => void (document.mode = mode),
  getDocumentMode: (document) => document.mode!,
  detachNode(node) {
    const p = node.parent;
    if (!p) return;
    p.children!.splice(p.children!.indexOf(node), 1);
    node.parent = null;
  },
  insertText(parent, text) {
    const kids = parent.children!;
    const last = kids[kids.length - 1];
    if (isText(last)) last.data += text;
    else appendChild(parent, new Node('text', undefined, undefined, undefined, text));
  },
  insertTextBefore(parent, text, ref) {
    const kids = parent.children!;
    const prev = kids[kids.indexOf(ref) - 1];
    if (isText(prev)) prev.data += text;
    else insertBefore(parent, new Node('text', undefined, undefined, undefined, text), ref);
  },
  adoptAttributes(recipient, attrs) {
    const a = recipient.attribs!;
    for (let i = 0; i < attrs.length; i++) if (a[attrs[i].name] === undefined) a[attrs[i].name] = attrs[i].value;
  },

  getFirstChild: (node) => node.children![0],
  getChildNodes: (node) => node.children!,
  getParentNode: (node) => node.parent,
  // (only read for formatting-element bookkeeping and MathML/SVG integration points: names and values)
  getAttrList: (el) => Object.keys(el.attribs!).map((name) => ({ name, value: el.attribs![name] })),
  getTagName: (el) => el.name!,
  getNamespaceURI: (el) => el.ns!,
  getTextNodeContent: (node) => node.data!,
  getCommentNodeContent: (node) => node.data!,
  getDocumentTypeNodeName: (node) => node.doctype?.name ?? '',
  getDocumentTypeNodePublicId: (node) => node.doctype?.publicId ?? '',
  getDocumentTypeNodeSystemId: (node) => node.doctype?.systemId ?? '',

  isTextNode: (node): node is Node => node.type === 'text',
  isCommentNode: (node): node is Node => node.type === 'comment',
  isDocumentTypeNode: (node): node is DoctypeNode => node.type === 'directive' && node.name === '!doctype',
  isElementNode: (node): node is Node => isTag(node),

  // Closed elements rarely gain children: drop the slack `push` reserved (the tree outlives a scavenge or two).
  onItemPop(node) {
    const kids = node.children!;
    if (kids.length > 1) node.children = kids.slice();
  },

  // No source locations are asked for.
  setNodeSourceCodeLocation: () => undefined,
  getNodeSourceCodeLocation: () => undefined,
  updateNodeSourceCodeLocation: () => undefined,
};
