/// The OpenAPI 3.1 description of the API, served at `/api/v1/openapi.json`.
///
/// A test compares its paths and methods with ``APIRouter/routes`` and with what the
/// server answers, so the two cannot drift apart.
enum OpenAPIDocument {
    /// The document as JSON text.
    static let json = #"""
        {
         "components": {
          "schemas": {
           "DoctorReport": {
            "properties": {
             "checkedAt": {
              "format": "date-time",
              "type": "string"
             },
             "findings": {
              "items": {
               "properties": {
                "check": {
                 "type": "string"
                },
                "message": {
                 "type": "string"
                },
                "node": {
                 "type": "string"
                },
                "remedy": {
                 "type": "string"
                },
                "severity": {
                 "enum": [
                  "error",
                  "warning",
                  "info"
                 ],
                 "type": "string"
                }
               },
               "required": [
                "severity",
                "check",
                "message",
                "remedy"
               ],
               "type": "object"
              },
              "type": "array"
             },
             "nodes": {
              "items": {
               "type": "string"
              },
              "type": "array"
             }
            },
            "required": [
             "checkedAt",
             "nodes",
             "findings"
            ],
            "type": "object"
           },
           "IdentityDump": {
            "properties": {
             "created": {
              "format": "date-time",
              "type": "string"
             },
             "fingerprint": {
              "type": "string"
             },
             "keyCount": {
              "type": "integer"
             },
             "name": {
              "type": "string"
             },
             "node": {
              "type": "string"
             },
             "repositories": {
              "items": {
               "type": "string"
              },
              "type": "array"
             },
             "snapshot": {
              "type": "string"
             },
             "sourceType": {
              "type": "string"
             }
            },
            "required": [
             "name",
             "node",
             "created",
             "keyCount",
             "fingerprint",
             "sourceType",
             "snapshot",
             "repositories"
            ],
            "type": "object"
           },
           "Job": {
            "properties": {
             "bytesDone": {
              "type": "integer"
             },
             "bytesTotal": {
              "type": "integer"
             },
             "createdAt": {
              "format": "date-time",
              "type": "string"
             },
             "durationSeconds": {
              "type": "number"
             },
             "endedAt": {
              "format": "date-time",
              "type": "string"
             },
             "error": {
              "type": "string"
             },
             "id": {
              "type": "integer"
             },
             "kind": {
              "enum": [
               "backup",
               "identity",
               "restore",
               "verify",
               "prune",
               "copy"
              ],
              "type": "string"
             },
             "node": {
              "type": "string"
             },
             "percent": {
              "type": "number"
             },
             "phase": {
              "type": "string"
             },
             "repositories": {
              "items": {
               "type": "string"
              },
              "type": "array"
             },
             "snapshot": {
              "type": "string"
             },
             "startedAt": {
              "format": "date-time",
              "type": "string"
             },
             "state": {
              "enum": [
               "Pending",
               "Running",
               "Completed",
               "Failed",
               "PartiallyFailed",
               "Cancelled"
              ],
              "type": "string"
             },
             "target": {
              "type": "string"
             },
             "trigger": {
              "enum": [
               "schedule",
               "manual",
               "api"
              ],
              "type": "string"
             },
             "triggerDetail": {
              "type": "string"
             }
            },
            "required": [
             "id",
             "node",
             "kind",
             "trigger",
             "state",
             "phase",
             "createdAt",
             "bytesDone",
             "repositories"
            ],
            "type": "object"
           },
           "Node": {
            "properties": {
             "datadir": {
              "type": "string"
             },
             "lastJobs": {
              "additionalProperties": {
               "$ref": "#/components/schemas/Job"
              },
              "type": "object"
             },
             "lastSuccess": {
              "additionalProperties": {
               "$ref": "#/components/schemas/Job"
              },
              "type": "object"
             },
             "name": {
              "type": "string"
             },
             "profile": {
              "type": "string"
             },
             "schedules": {
              "items": {
               "$ref": "#/components/schemas/Schedule"
              },
              "type": "array"
             },
             "stores": {
              "items": {
               "properties": {
                "path": {
                 "type": "string"
                },
                "type": {
                 "type": "string"
                }
               },
               "type": "object"
              },
              "type": "array"
             },
             "warnings": {
              "items": {
               "type": "string"
              },
              "type": "array"
             }
            },
            "required": [
             "name",
             "profile",
             "stores",
             "schedules",
             "lastJobs",
             "lastSuccess",
             "warnings"
            ],
            "type": "object"
           },
           "NodeRestoreBody": {
            "properties": {
             "backup": {
              "description": "snapshot id, prefix or latest (default)",
              "type": "string"
             },
             "identityDump": {
              "type": "string"
             },
             "identityFile": {
              "description": "age identity file on the daemon's host",
              "type": "string"
             },
             "newParticipantId": {
              "description": "Canton: write a restore kit for this new participant identifier",
              "type": "string"
             },
             "repository": {
              "type": "string"
             },
             "restoreKitDirectory": {
              "description": "Canton: the restore kit's directory on the daemon's host (new or empty)",
              "type": "string"
             }
            },
            "type": "object"
           },
           "Problem": {
            "properties": {
             "detail": {
              "type": "string"
             },
             "field": {
              "type": "string"
             },
             "status": {
              "type": "integer"
             },
             "title": {
              "type": "string"
             },
             "type": {
              "type": "string"
             }
            },
            "required": [
             "type",
             "title",
             "status",
             "detail"
            ],
            "type": "object"
           },
           "RestoreBody": {
            "properties": {
             "force": {
              "type": "boolean"
             },
             "repository": {
              "type": "string"
             },
             "snapshot": {
              "description": "id, unique prefix or latest (default)",
              "type": "string"
             },
             "target": {
              "description": "absolute directory",
              "type": "string"
             }
            },
            "required": [
             "target"
            ],
            "type": "object"
           },
           "RunbookStep": {
            "properties": {
             "description": {
              "type": "string"
             },
             "id": {
              "type": "string"
             },
             "message": {
              "type": "string"
             },
             "status": {
              "enum": [
               "planned",
               "running",
               "done",
               "skipped",
               "warning",
               "failed"
              ],
              "type": "string"
             }
            },
            "required": [
             "id",
             "description",
             "status"
            ],
            "type": "object"
           },
           "Schedule": {
            "properties": {
             "cron": {
              "type": "string"
             },
             "description": {
              "type": "string"
             },
             "environment": {
              "type": "string"
             },
             "interval": {
              "type": "string"
             },
             "keep": {
              "additionalProperties": {
               "type": "integer"
              },
              "type": "object"
             },
             "kind": {
              "type": "string"
             },
             "lastRun": {
              "format": "date-time",
              "type": "string"
             },
             "max": {
              "type": "integer"
             },
             "nextRun": {
              "format": "date-time",
              "type": "string"
             },
             "nextRuns": {
              "items": {
               "format": "date-time",
               "type": "string"
              },
              "type": "array"
             },
             "origin": {
              "enum": [
               "config",
               "api",
               "deleted",
               "none"
              ],
              "type": "string"
             },
             "paused": {
              "type": "boolean"
             },
             "repositories": {
              "items": {
               "type": "string"
              },
              "type": "array"
             },
             "timezone": {
              "type": "string"
             }
            },
            "required": [
             "kind",
             "origin",
             "paused",
             "repositories",
             "nextRuns"
            ],
            "type": "object"
           },
           "SchedulePlan": {
            "description": "The keys of a backups: or identity: section of lifeboat.yaml.",
            "properties": {
             "cron": {
              "examples": [
               "0 */6 * * *"
              ],
              "type": "string"
             },
             "environment": {
              "enum": [
               "development",
               "staging",
               "production"
              ],
              "type": "string"
             },
             "interval": {
              "examples": [
               "1h30m"
              ],
              "type": "string"
             },
             "keep": {
              "additionalProperties": {
               "minimum": 1,
               "type": "integer"
              },
              "type": "object"
             },
             "max": {
              "minimum": 1,
              "type": "integer"
             },
             "paused": {
              "type": "boolean"
             },
             "repositories": {
              "items": {
               "type": "string"
              },
              "minItems": 1,
              "type": "array"
             },
             "timezone": {
              "type": "string"
             }
            },
            "required": [
             "repositories"
            ],
            "type": "object"
           },
           "SizeReport": {
            "properties": {
             "measuredAt": {
              "format": "date-time",
              "type": "string"
             },
             "nodes": {
              "items": {
               "properties": {
                "backups": {
                 "type": "integer"
                },
                "databaseBytes": {
                 "type": "integer"
                },
                "maxBackups": {
                 "type": "integer"
                },
                "measuredBytes": {
                 "type": "integer"
                },
                "naiveBytes": {
                 "type": "integer"
                },
                "node": {
                 "type": "string"
                },
                "repositories": {
                 "items": {
                  "type": "string"
                 },
                 "type": "array"
                }
               },
               "type": "object"
              },
              "type": "array"
             },
             "repositories": {
              "items": {
               "properties": {
                "capacityBytes": {
                 "type": "integer"
                },
                "dedupRatio": {
                 "type": "number"
                },
                "error": {
                 "type": "string"
                },
                "freeBytes": {
                 "type": "integer"
                },
                "fullAt": {
                 "format": "date-time",
                 "type": "string"
                },
                "growthBytesPerDay": {
                 "type": "number"
                },
                "kind": {
                 "enum": [
                  "directory",
                  "s3"
                 ],
                 "type": "string"
                },
                "logicalBytes": {
                 "type": "integer"
                },
                "name": {
                 "type": "string"
                },
                "nextRun": {
                 "format": "date-time",
                 "type": "string"
                },
                "nextRunBytes": {
                 "type": "integer"
                },
                "reachable": {
                 "type": "boolean"
                },
                "snapshots": {
                 "type": "integer"
                },
                "storedBytes": {
                 "type": "integer"
                },
                "warning": {
                 "type": "string"
                }
               },
               "type": "object"
              },
              "type": "array"
             }
            },
            "required": [
             "measuredAt",
             "nodes",
             "repositories"
            ],
            "type": "object"
           },
           "Snapshot": {
            "properties": {
             "bytes": {
              "type": "integer"
             },
             "files": {
              "type": "integer"
             },
             "id": {
              "type": "string"
             },
             "kind": {
              "type": "string"
             },
             "repositories": {
              "items": {
               "type": "string"
              },
              "type": "array"
             },
             "shortId": {
              "type": "string"
             },
             "time": {
              "format": "date-time",
              "type": "string"
             }
            },
            "required": [
             "id",
             "shortId",
             "time",
             "kind",
             "bytes",
             "files",
             "repositories"
            ],
            "type": "object"
           }
          },
          "securitySchemes": {
           "bearer": {
            "scheme": "bearer",
            "type": "http"
           }
          }
         },
         "info": {
          "description": "Backups, identity dumps and restores of ledger and identity nodes. Every call but health, metrics and this document needs a bearer token; mutating calls need the operator role.",
          "title": "Lifeboat API",
          "version": "1"
         },
         "openapi": "3.1.0",
         "paths": {
          "/api/v1/doctor": {
           "get": {
            "operationId": "get_api_v1_doctor",
            "parameters": [
             {
              "description": "only this node (and the repositories it uses)",
              "in": "query",
              "name": "node",
              "required": false,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/DoctorReport"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no such node"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Troubleshooting checks with a remedy for each finding",
            "tags": [
             "insight"
            ]
           }
          },
          "/api/v1/jobs": {
           "get": {
            "operationId": "get_api_v1_jobs",
            "parameters": [
             {
              "in": "query",
              "name": "node",
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "kind",
              "schema": {
               "enum": [
                "backup",
                "identity",
                "restore",
                "verify",
                "prune",
                "copy"
               ],
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "state",
              "schema": {
               "enum": [
                "Pending",
                "Running",
                "Completed",
                "Failed",
                "PartiallyFailed",
                "Cancelled"
               ],
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "limit",
              "schema": {
               "maximum": 1000,
               "minimum": 1,
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "items": {
                  "$ref": "#/components/schemas/Job"
                 },
                 "type": "array"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Jobs (query node, kind, state, limit)",
            "tags": [
             "jobs"
            ]
           }
          },
          "/api/v1/jobs/{id}": {
           "get": {
            "operationId": "get_api_v1_jobs_id",
            "parameters": [
             {
              "in": "path",
              "name": "id",
              "required": true,
              "schema": {
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Job"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Job status",
            "tags": [
             "jobs"
            ]
           }
          },
          "/api/v1/jobs/{id}/cancel": {
           "post": {
            "operationId": "post_api_v1_jobs_id_cancel",
            "parameters": [
             {
              "in": "path",
              "name": "id",
              "required": true,
              "schema": {
               "type": "integer"
              }
             }
            ],
            "responses": {
             "202": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Job"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             },
             "422": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Cancel a queued or running job",
            "tags": [
             "jobs"
            ]
           }
          },
          "/api/v1/jobs/{id}/rollback": {
           "post": {
            "operationId": "post_api_v1_jobs_id_rollback",
            "parameters": [
             {
              "in": "path",
              "name": "id",
              "required": true,
              "schema": {
               "type": "integer"
              }
             }
            ],
            "responses": {
             "202": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Job"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             },
             "422": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Put back the data a node restore job moved aside",
            "tags": [
             "runbook"
            ]
           }
          },
          "/api/v1/nodes": {
           "get": {
            "operationId": "get_api_v1_nodes",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "items": {
                  "$ref": "#/components/schemas/Node"
                 },
                 "type": "array"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Configured nodes with schedules and last results",
            "tags": [
             "nodes"
            ]
           }
          },
          "/api/v1/nodes/{node}": {
           "get": {
            "operationId": "get_api_v1_nodes_node",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Node"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "One node",
            "tags": [
             "nodes"
            ]
           }
          },
          "/api/v1/nodes/{node}/backups": {
           "post": {
            "operationId": "post_api_v1_nodes_node_backups",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "202": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Job"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Start a state backup now",
            "tags": [
             "jobs"
            ]
           }
          },
          "/api/v1/nodes/{node}/history": {
           "get": {
            "operationId": "get_api_v1_nodes_node_history",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "kind",
              "schema": {
               "enum": [
                "backup",
                "identity",
                "restore",
                "verify",
                "prune",
                "copy"
               ],
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "limit",
              "schema": {
               "maximum": 1000,
               "minimum": 1,
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "items": {
                  "$ref": "#/components/schemas/Job"
                 },
                 "type": "array"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Job history of a node (query kind, limit)",
            "tags": [
             "history"
            ]
           }
          },
          "/api/v1/nodes/{node}/identity-dumps": {
           "get": {
            "operationId": "get_api_v1_nodes_node_identity_dumps",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "items": {
                  "$ref": "#/components/schemas/IdentityDump"
                 },
                 "type": "array"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Identity dumps of a node: name, created, key count, fingerprint, repositories (no secrets)",
            "tags": [
             "identity"
            ]
           },
           "post": {
            "operationId": "post_api_v1_nodes_node_identity_dumps",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "202": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Job"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Start an identity dump now",
            "tags": [
             "jobs"
            ]
           }
          },
          "/api/v1/nodes/{node}/identity-dumps/{dump}/export": {
           "get": {
            "operationId": "get_api_v1_nodes_node_identity_dumps_dump_export",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "dump name, snapshot id prefix or latest",
              "in": "path",
              "name": "dump",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "repository",
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/octet-stream": {
                "schema": {
                 "format": "binary",
                 "type": "string"
                }
               }
              },
              "description": "the .age file"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Download a dump: the age-encrypted file only",
            "tags": [
             "identity"
            ]
           }
          },
          "/api/v1/nodes/{node}/identity-dumps/{dump}/restore": {
           "post": {
            "operationId": "post_api_v1_nodes_node_identity_dumps_dump_restore",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "dump name, snapshot id prefix or latest",
              "in": "path",
              "name": "dump",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "properties": {
                 "force": {
                  "type": "boolean"
                 },
                 "identityFile": {
                  "type": "string"
                 },
                 "repository": {
                  "type": "string"
                 }
                },
                "required": [
                 "identityFile"
                ],
                "type": "object"
               }
              }
             },
             "required": true
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             },
             "409": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             },
             "422": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Restore a dump's keys (fs: files 0600 in a 0700 directory; vault: written back); a different existing key needs force",
            "tags": [
             "identity"
            ]
           }
          },
          "/api/v1/nodes/{node}/identity-dumps/{dump}/restore-kit": {
           "post": {
            "operationId": "post_api_v1_nodes_node_identity_dumps_dump_restore_kit",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "dump name, snapshot id prefix or latest",
              "in": "path",
              "name": "dump",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "properties": {
                 "directory": {
                  "type": "string"
                 },
                 "identityFile": {
                  "type": "string"
                 },
                 "newParticipantId": {
                  "type": "string"
                 },
                 "nodeIdentifier": {
                  "type": "string"
                 },
                 "repository": {
                  "type": "string"
                 }
                },
                "required": [
                 "identityFile",
                 "newParticipantId",
                 "directory"
                ],
                "type": "object"
               }
              }
             },
             "required": true
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              },
              "description": "files written"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             },
             "409": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             },
             "422": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Write the Canton restore kit (decrypted dump 0600, Secret manifest, Helm values, compose line, checklist) into a directory",
            "tags": [
             "identity"
            ]
           }
          },
          "/api/v1/nodes/{node}/node-restores": {
           "post": {
            "operationId": "post_api_v1_nodes_node_node_restores",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/NodeRestoreBody"
               }
              }
             },
             "required": false
            },
            "responses": {
             "202": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Job"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "422": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Run the node's whole restore runbook as a job",
            "tags": [
             "runbook"
            ]
           }
          },
          "/api/v1/nodes/{node}/restore-plan": {
           "get": {
            "operationId": "get_api_v1_nodes_node_restore_plan",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "backup",
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "repository",
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "identityDump",
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "newParticipantId",
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "items": {
                  "$ref": "#/components/schemas/RunbookStep"
                 },
                 "type": "array"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "The steps a node restore would take (query backup, repository, identityDump), touching nothing",
            "tags": [
             "runbook"
            ]
           }
          },
          "/api/v1/nodes/{node}/restores": {
           "post": {
            "operationId": "post_api_v1_nodes_node_restores",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/RestoreBody"
               }
              }
             },
             "required": true
            },
            "responses": {
             "202": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Job"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "422": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Restore a backup into a directory, verified",
            "tags": [
             "jobs"
            ]
           }
          },
          "/api/v1/nodes/{node}/schedules/{kind}": {
           "delete": {
            "operationId": "delete_api_v1_nodes_node_schedules_kind",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "path",
              "name": "kind",
              "required": true,
              "schema": {
               "enum": [
                "backup",
                "identity"
               ],
               "type": "string"
              }
             }
            ],
            "responses": {
             "204": {
              "description": "done"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Delete a schedule",
            "tags": [
             "schedules"
            ]
           },
           "get": {
            "operationId": "get_api_v1_nodes_node_schedules_kind",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "path",
              "name": "kind",
              "required": true,
              "schema": {
               "enum": [
                "backup",
                "identity"
               ],
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Schedule"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "A schedule in force",
            "tags": [
             "schedules"
            ]
           },
           "put": {
            "operationId": "put_api_v1_nodes_node_schedules_kind",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "path",
              "name": "kind",
              "required": true,
              "schema": {
               "enum": [
                "backup",
                "identity"
               ],
               "type": "string"
              }
             }
            ],
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/SchedulePlan"
               }
              }
             },
             "required": true
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Schedule"
                }
               }
              },
              "description": "ok"
             },
             "201": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Schedule"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "422": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Create or replace a schedule",
            "tags": [
             "schedules"
            ]
           }
          },
          "/api/v1/nodes/{node}/schedules/{kind}/pause": {
           "post": {
            "operationId": "post_api_v1_nodes_node_schedules_kind_pause",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "path",
              "name": "kind",
              "required": true,
              "schema": {
               "enum": [
                "backup",
                "identity"
               ],
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Schedule"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Pause a schedule",
            "tags": [
             "schedules"
            ]
           }
          },
          "/api/v1/nodes/{node}/schedules/{kind}/resume": {
           "post": {
            "operationId": "post_api_v1_nodes_node_schedules_kind_resume",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "path",
              "name": "kind",
              "required": true,
              "schema": {
               "enum": [
                "backup",
                "identity"
               ],
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Schedule"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Resume a schedule",
            "tags": [
             "schedules"
            ]
           }
          },
          "/api/v1/nodes/{node}/snapshots": {
           "get": {
            "operationId": "get_api_v1_nodes_node_snapshots",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "kind",
              "schema": {
               "enum": [
                "backup",
                "identity",
                "restore",
                "verify",
                "prune",
                "copy"
               ],
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "items": {
                  "$ref": "#/components/schemas/Snapshot"
                 },
                 "type": "array"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Snapshots of a node in every repository (query kind)",
            "tags": [
             "history"
            ]
           }
          },
          "/api/v1/nodes/{node}/verify": {
           "post": {
            "operationId": "post_api_v1_nodes_node_verify",
            "parameters": [
             {
              "in": "path",
              "name": "node",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "202": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Job"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "403": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "role too low"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Read back the node's repositories (check --read-data)",
            "tags": [
             "jobs"
            ]
           }
          },
          "/api/v1/openapi.json": {
           "get": {
            "operationId": "get_api_v1_openapi_json",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              },
              "description": "ok"
             }
            },
            "security": [],
            "summary": "This document",
            "tags": [
             "meta"
            ]
           }
          },
          "/api/v1/size": {
           "get": {
            "operationId": "get_api_v1_size",
            "parameters": [
             {
              "description": "only this node (and the repositories it uses)",
              "in": "query",
              "name": "node",
              "required": false,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/SizeReport"
                }
               }
              },
              "description": "ok"
             },
             "401": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no or invalid token"
             },
             "404": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "no such node"
             }
            },
            "security": [
             {
              "bearer": []
             }
            ],
            "summary": "Storage sizing: naive (backups x database size) beside measured, free space, growth and forecast",
            "tags": [
             "insight"
            ]
           }
          },
          "/healthz": {
           "get": {
            "operationId": "get_healthz",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              },
              "description": "ok"
             }
            },
            "security": [],
            "summary": "Liveness",
            "tags": [
             "health"
            ]
           }
          },
          "/metrics": {
           "get": {
            "operationId": "get_metrics",
            "responses": {
             "200": {
              "content": {
               "text/plain": {
                "schema": {
                 "type": "string"
                }
               }
              },
              "description": "metrics"
             }
            },
            "security": [],
            "summary": "Prometheus metrics (text format 0.0.4)",
            "tags": [
             "metrics"
            ]
           }
          },
          "/readyz": {
           "get": {
            "operationId": "get_readyz",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              },
              "description": "ready"
             },
             "503": {
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              },
              "description": "problem"
             }
            },
            "security": [],
            "summary": "Readiness: the catalog can be read",
            "tags": [
             "health"
            ]
           }
          }
         },
         "servers": [
          {
           "url": "/"
          }
         ]
        }
        """#
}
