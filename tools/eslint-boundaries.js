/**
 * An ESLint rule that keeps the layers apart (see ../shared/DESIGN.md): it
 * resolves every import against the importing file and refuses an import that
 * crosses a forbidden boundary. Zones are configured in eslint.config.js.
 */
import path from 'node:path';

const nodeBuiltin = /^(node:|(fs|path|os|child_process|net|http|https|crypto|stream|zlib|url|util|events|worker_threads|readline|tty)(\/|$))/;

function matchesAny(patterns, value) {
  return patterns.some((pattern) => pattern.test(value));
}

export const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid imports that cross the layer boundaries of Barkeep' },
    schema: [
      {
        type: 'object',
        properties: {
          zones: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                from: { type: 'string' },
                forbidFolders: { type: 'array', items: { type: 'string' } },
                forbidPackages: { type: 'array', items: { type: 'string' } },
                forbidNodeBuiltins: { type: 'boolean' },
                reason: { type: 'string' },
              },
              required: ['from', 'reason'],
            },
          },
        },
      },
    ],
    messages: {
      crossed: "'{{source}}' may not be imported from {{from}}: {{reason}}",
    },
  },
  create(context) {
    const root = context.cwd;
    const filename = path.relative(root, context.filename);
    const zones = (context.options[0]?.zones ?? []).filter(
      (zone) => filename === zone.from || filename.startsWith(zone.from.replace(/\/?$/, '/')),
    );
    if (zones.length === 0) return {};

    function check(node, source) {
      if (typeof source !== 'string') return;
      for (const zone of zones) {
        let crossed = false;
        if (source.startsWith('.') || source.startsWith('/')) {
          const target = path.relative(root, path.resolve(path.dirname(context.filename), source));
          crossed = (zone.forbidFolders ?? []).some(
            (folder) => target === folder || target.startsWith(folder.replace(/\/?$/, '/')),
          );
        } else {
          const packages = (zone.forbidPackages ?? []).map((name) => new RegExp(`^${name}(/|$)`));
          crossed = matchesAny(packages, source) || (zone.forbidNodeBuiltins === true && nodeBuiltin.test(source));
        }
        if (crossed) {
          context.report({ node, messageId: 'crossed', data: { source, from: zone.from, reason: zone.reason } });
          return;
        }
      }
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node.arguments[0], node.arguments[0].value);
        }
      },
    };
  },
};

export default { rules: { boundaries } };
