/** Where users read the documentation and report problems (also plugin.json's info.links). */
export const DOCS_URL = 'https://github.com/auditlens/auditlog-datasource/tree/main/docs';
export const ISSUES_URL = 'https://github.com/auditlens/auditlog-datasource/issues';
